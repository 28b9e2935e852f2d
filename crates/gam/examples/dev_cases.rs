//! Development check: full pipeline on the public Gaussian cases.
#![allow(clippy::print_stdout)]
use gam::data::DataFrame;
use gam::formula::Formula;
use gam::model::GamSpec;
fn main() {
    let cases: serde_json::Value =
        serde_json::from_slice(&std::fs::read("/work/shared/bench/cases.json").unwrap()).unwrap();
    for c in cases.as_array().unwrap() {
        if c["family"] != "gaussian" {
            continue;
        }
        let id = c["id"].as_str().unwrap();
        let r: serde_json::Value =
            serde_json::from_slice(&std::fs::read(format!("/work/shared/bench/ref/{id}.json")).unwrap()).unwrap();
        let g = &r["gam"];
        let data = DataFrame::read_csv(std::path::Path::new(&format!(
            "/work/shared/bench/{}",
            c["data"].as_str().unwrap()
        )))
        .unwrap();
        let f = Formula::parse(c["formula"].as_str().unwrap()).unwrap();
        let t = std::time::Instant::now();
        match GamSpec::new(f).fit(&data) {
            Ok(m) => {
                let reml = g["reml_score"].as_f64().unwrap();
                let edfs: Vec<String> = m
                    .smooth_edf()
                    .iter()
                    .zip(g["smooths"].as_array().unwrap())
                    .map(|(a, s)| format!("{:.3}/{:.3}", a, s["edf"].as_f64().unwrap()))
                    .collect();
                println!(
                    "{id:18} reml rel {:.1e} edf {:.3}/{:.3} {:?} {:?} iters {} {:?}",
                    (m.reml_score - reml).abs() / reml.abs(),
                    m.edf_total(),
                    g["edf_total"].as_f64().unwrap(),
                    edfs,
                    t.elapsed(),
                    m.outer.iter,
                    m.outer.message
                );
            }
            Err(e) => println!("{id:18} ERROR {e}"),
        }
    }
}
