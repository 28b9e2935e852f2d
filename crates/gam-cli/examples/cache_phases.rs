//! Where the time of a `gam fit` exact hit goes: reading the CSV, dropping
//! missing rows, hashing the exact key, reading and parsing the cached
//! model. Used by `bench/cache_bench.sh`.
//!
//! Usage: `cargo run --release -p gam-cli --example cache_phases -- DATA FORMULA CACHE_DIR`
//! (CACHE_DIR must already hold the fit, e.g. from a `gam --cache-dir CACHE_DIR fit`).

#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Instant;

use gam::expert::cache::keys::{Payload, fit_keys};
use gam::expert::data::DataFrame;
use gam::expert::fit::driver::prepare;
use gam::expert::formula::Formula;
use gam::expert::model::GamSpec;
use warmstart::{StoreOptions, WarmStartStore};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, formula, cache] = args.as_slice() else {
        anyhow::bail!("usage: cache_phases DATA FORMULA CACHE_DIR");
    };
    let mut at = Instant::now();
    let mut phase = |name: &str| {
        println!("{name:<28} {:8.1} ms", at.elapsed().as_secs_f64() * 1e3);
        at = Instant::now();
    };
    let df = DataFrame::read_csv(&PathBuf::from(data))?;
    phase("read + parse CSV");
    let spec = GamSpec::new(Formula::parse(formula)?);
    let prepared = prepare(&spec, &df)?;
    phase("drop missing rows");
    let keys = fit_keys(&spec, &prepared.data)?;
    phase("hash exact + coarse keys");
    let store = WarmStartStore::open(PathBuf::from(cache), StoreOptions::default())?;
    let entry = store.lookup(&keys.exact)?;
    phase("store lookup (read, verify)");
    let payload = entry.as_ref().and_then(|e| Payload::from_bytes(&e.payload));
    phase("parse cached model (JSON)");
    println!("cached model found: {}", matches!(payload, Some(Payload::Final(_))));
    Ok(())
}
