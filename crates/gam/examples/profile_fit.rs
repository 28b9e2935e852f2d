//! Times the phases of one fit (read, design, model matrix, QR, REML):
//! `cargo run --release -p gam --example profile_fit -- DATA.csv FORMULA`.
#![allow(clippy::print_stdout)]
use gam::expert::data::DataFrame;
use gam::expert::design::Design;
use gam::expert::fit::NewtonOptions;
use gam::expert::fit::gaussian::{LsqProblem, Scale, fit_reml};
use gam::expert::formula::Formula;
use std::time::Instant;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let t = Instant::now();
    let data = DataFrame::read_csv(std::path::Path::new(&args[1])).unwrap();
    println!("read {:?}", t.elapsed());
    let f = Formula::parse(&args[2]).unwrap();
    let t = Instant::now();
    let d = Design::build(&f, &data).unwrap();
    println!("design {:?}", t.elapsed());
    let t = Instant::now();
    let x = d.model_matrix(&data).unwrap();
    println!("model matrix {:?}", t.elapsed());
    let y = d.response_values(&data).unwrap();
    let t = Instant::now();
    let prob = LsqProblem::from_dense(&x, &y, None);
    println!("qr {:?}", t.elapsed());
    let pens = d.penalty_set();
    let t = Instant::now();
    let fit = fit_reml(&prob, &pens, Scale::Estimated, None, &NewtonOptions::default(), |_| {}).unwrap();
    println!("reml {:?} iters {}", t.elapsed(), fit.outer.last.iter);
    let t = Instant::now();
    let _m = gam::expert::model::GamSpec::new(f.clone()).fit(&data).unwrap();
    println!("whole fit {:?}", t.elapsed());
    // The default (chunked from 32768 rows) path, phase by phase.
    let spec = gam::expert::model::GamSpec::new(f);
    let t = Instant::now();
    let prepared = gam::expert::fit::driver::prepare(&spec, &data).unwrap();
    println!("prepare {:?}", t.elapsed());
    let t = Instant::now();
    let setup = spec.setup(prepared).unwrap();
    println!("setup (design + reduction) {:?}", t.elapsed());
    let t = Instant::now();
    let _m = spec
        .fit_setup(&setup, None, &mut gam::expert::fit::driver::NoObserver)
        .unwrap();
    println!("outer + model {:?}", t.elapsed());
}
