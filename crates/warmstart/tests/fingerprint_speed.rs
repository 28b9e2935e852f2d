//! Rule 4: fingerprinting a 10^7-value f64 slice runs at close to SHA-256 speed
//! (no per-element allocation or formatting): at most 1.5x the time of plain
//! SHA-256 over the same 80 MB (the best of 5 interleaved runs of each).

// The test reports both timings.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use warmstart::Fingerprinter;

const VALUES: usize = 10_000_000;
const RUNS: usize = 5;
const MAX_RATIO: f64 = 1.5;

fn timed(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

#[test]
fn rule04_f64_slice_fingerprints_at_close_to_sha256_speed() {
    if cfg!(debug_assertions) {
        println!("rule04: skipped: timings mean nothing in a debug build; run `cargo test --release`");
        return;
    }
    // Ordinary values with a few that need normalising (-0.0, NaN).
    let xs: Vec<f64> = (0..VALUES)
        .map(|i| match i % 1000 {
            0 => -0.0,
            1 => f64::NAN,
            _ => i as f64 * 0.37 - 1e6,
        })
        .collect();
    let bytes: Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();

    // Interleaved, so that a slow moment of the machine hits both alike; the
    // minimum of each is the least disturbed run.
    let (mut sha, mut fp) = (Duration::MAX, Duration::MAX);
    for _ in 0..RUNS {
        sha = sha.min(timed(|| {
            black_box(Sha256::digest(black_box(&bytes)));
        }));
        fp = fp.min(timed(|| {
            let mut f = Fingerprinter::new();
            f.absorb_f64_slice(b"xs", black_box(&xs));
            black_box(f.finalize());
        }));
    }
    let ratio = fp.as_secs_f64() / sha.as_secs_f64();
    let mb = bytes.len() as f64 / 1e6;
    println!(
        "rule04: {VALUES} f64 ({mb:.0} MB): fingerprint {fp:.1?} ({:.0} MB/s), plain SHA-256 {sha:.1?} ({:.0} MB/s), \
         ratio {ratio:.2} (limit {MAX_RATIO})",
        mb / fp.as_secs_f64(),
        mb / sha.as_secs_f64()
    );
    assert!(
        ratio <= MAX_RATIO,
        "fingerprinting took {ratio:.2}x the time of plain SHA-256 ({fp:?} vs {sha:?})"
    );
}
