//! Benchmarks of the warm-start store.
//!
//! - `save`: a durable (`Durability::Full`) save of a 4 KiB payload under a new
//!   run id into an existing key, in stores of 10^2, 10^4 and 10^5 entries. Rule
//!   20 says its cost must not grow with the number of entries. Each saved entry
//!   is taken out again outside the timed part, so that the store keeps its size.
//! - `lookup`: the best of a key's 10 entries, in the same stores.
//! - `fingerprint_1e7_f64`: a 10^7-value f64 slice through a `Fingerprinter`,
//!   against plain SHA-256 over the same 80 MB (rule 4).
//!
//! The stores are filled once per size through the public API with
//! `Durability::Relaxed`, 10 entries of 512 bytes per key, under a budget far
//! above their size, so that eviction never runs; the time it takes is printed.
//! Run with `cargo bench -p warmstart`; criterion writes its estimates (median
//! included) under `target/criterion/`.

// The benchmark prints how long filling each store took and how many full passes ran.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fs;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use sha2::{Digest, Sha256};
use warmstart::{Durability, EntryKind, Fingerprint, Fingerprinter, StoreOptions, WarmStartStore};

/// Numbers of entries in the benchmarked stores.
const STORE_SIZES: [usize; 3] = [100, 10_000, 100_000];
const ENTRIES_PER_KEY: usize = 10;
const FILL_PAYLOAD_BYTES: usize = 512;
const SAVE_PAYLOAD_BYTES: usize = 4096;
/// Far above what any store here holds: eviction must not run.
const BUDGET_BYTES: u64 = 1 << 40;
const FINGERPRINT_VALUES: usize = 10_000_000;

fn key(i: usize) -> Fingerprint {
    let mut f = Fingerprinter::new();
    f.absorb_u64(b"bench-key", i as u64);
    f.finalize()
}

fn options(durability: Durability) -> StoreOptions {
    StoreOptions {
        size_budget_bytes: BUDGET_BYTES,
        durability,
        ..StoreOptions::default()
    }
}

fn payload(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| (i.wrapping_mul(31) ^ seed) as u8).collect()
}

/// A store of `entries` entries in a temporary directory.
struct Filled {
    entries: usize,
    _dir: tempfile::TempDir,
    /// A handle with durable writes, for the measured saves.
    store: WarmStartStore,
    keys: Vec<Fingerprint>,
}

fn fill(entries: usize) -> Filled {
    let dir = tempfile::tempdir().expect("temporary directory");
    let root = dir.path().join("store");
    let filler = WarmStartStore::open(root.clone(), options(Durability::Relaxed)).expect("opening the store");
    let keys: Vec<Fingerprint> = (0..entries / ENTRIES_PER_KEY).map(key).collect();
    let started = Instant::now();
    for (k, key) in keys.iter().enumerate() {
        for j in 0..ENTRIES_PER_KEY {
            let objective = ((k * 7 + j * 13) % 97) as f64;
            filler
                .save(
                    key,
                    &payload(FILL_PAYLOAD_BYTES, k + j),
                    Some(objective),
                    Some(j as u64),
                    EntryKind::Checkpoint,
                )
                .expect("filling the store");
        }
    }
    let took = started.elapsed();
    println!(
        "filled a store with {entries} entries ({} keys) in {took:.2?} ({:.1} us per save, {} full pass(es))",
        keys.len(),
        took.as_secs_f64() * 1e6 / entries as f64,
        filler.full_walks()
    );
    let store = WarmStartStore::open(root, options(Durability::Full)).expect("opening the store");
    Filled {
        entries,
        _dir: dir,
        store,
        keys,
    }
}

/// Takes a just-saved entry out again (outside the timed part), so that the
/// store stays at its size however many iterations criterion runs.
fn unsave(store: &WarmStartStore, key: &Fingerprint, run_id: &str) {
    let dir = store.key_dir(key);
    let meta_path = dir.join(format!("{run_id}.meta.json"));
    let meta: serde_json::Value =
        serde_json::from_slice(&fs::read(&meta_path).expect("reading metadata")).expect("parsing metadata");
    let payload_file = meta["payload_file"].as_str().expect("metadata names its payload");
    fs::remove_file(dir.join(payload_file)).expect("removing payload");
    fs::remove_file(meta_path).expect("removing metadata");
}

fn store_benches(c: &mut Criterion) {
    let stores: Vec<Filled> = STORE_SIZES.iter().map(|&n| fill(n)).collect();
    let save_payload = payload(SAVE_PAYLOAD_BYTES, 1);

    let mut group = c.benchmark_group("save");
    // A durable save takes milliseconds: the same number of saves per sample
    // keeps 20 samples within the measurement time.
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(1));
    for s in &stores {
        let mut next = 0usize;
        group.bench_with_input(BenchmarkId::from_parameter(s.entries), s, |b, s| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let key = &s.keys[next % s.keys.len()];
                    next += 1;
                    let t = Instant::now();
                    let run_id = s
                        .store
                        .save(
                            key,
                            black_box(&save_payload),
                            Some(50.0),
                            Some(1),
                            EntryKind::Checkpoint,
                        )
                        .expect("save");
                    total += t.elapsed();
                    unsave(&s.store, key, &run_id);
                }
                total
            });
        });
        println!(
            "save into {} entries: {} full pass(es) during the benchmark",
            s.entries,
            s.store.full_walks()
        );
    }
    group.finish();

    let mut group = c.benchmark_group("lookup");
    group.throughput(Throughput::Elements(1));
    for s in &stores {
        let mut next = 0usize;
        group.bench_with_input(BenchmarkId::from_parameter(s.entries), s, |b, s| {
            b.iter(|| {
                let key = &s.keys[next % s.keys.len()];
                next += 1;
                let found = s.store.lookup(black_box(key)).expect("lookup");
                black_box(found.expect("every key has entries"))
            });
        });
    }
    group.finish();

    // Removing 2 x 10^5 files is slow on some file systems (ext4 mounted with
    // `discard`): say so, rather than let it pass for benchmark time.
    let started = Instant::now();
    drop(stores);
    println!("removed the benchmark stores in {:.1?}", started.elapsed());
}

fn fingerprint_benches(c: &mut Criterion) {
    let xs: Vec<f64> = (0..FINGERPRINT_VALUES).map(|i| i as f64 * 0.37 - 1e6).collect();
    let bytes: Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();
    let mut group = c.benchmark_group("fingerprint_1e7_f64");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("fingerprinter", |b| {
        b.iter(|| {
            let mut f = Fingerprinter::new();
            f.absorb_f64_slice(b"xs", black_box(&xs));
            f.finalize()
        });
    });
    group.bench_function("sha256_raw", |b| b.iter(|| Sha256::digest(black_box(&bytes))));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = store_benches, fingerprint_benches
}
criterion_main!(benches);
