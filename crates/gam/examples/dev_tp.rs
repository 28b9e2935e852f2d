//! Development: time the thin plate constructor.
#![allow(clippy::print_stdout)]
use gam::basis::BasisFn;
use std::time::Instant;
fn main() {
    let data =
        gam::data::DataFrame::read_csv(std::path::Path::new("/work/shared/bench/data/gamsim1_n400.csv")).unwrap();
    let x = data.column("x0").unwrap().as_numeric().unwrap().to_vec();
    for _ in 0..3 {
        let t = Instant::now();
        let b = gam::basis::tp::TpBasis::new("s(x0)", &[&x], -1, None).unwrap();
        let t1 = t.elapsed();
        let t = Instant::now();
        let _ = b.design(&[&x]).unwrap();
        println!("new {:?} design {:?}", t1, t.elapsed());
    }
}
