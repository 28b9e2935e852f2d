//! Data for the tests of the front door (`front_door.rs`, and through a
//! `#[path]` module the `gam` command's `library_cache.rs`): deterministic
//! columns, the same values as a [`Frame`] built in memory and as a CSV file
//! written with Rust's shortest round-trip float formatting (`{}`), so that
//! both parse to the same bits.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use gam::Frame;

/// The columns of the synthetic data: two covariates, a three-level factor,
/// a logical, positive weights, a Gaussian and a count response.
#[derive(Debug, Clone)]
pub struct Columns {
    /// Covariate in (0, 1), evenly spaced.
    pub x: Vec<f64>,
    /// Covariate in [0, 1), a Weyl sequence unrelated to `x`.
    pub z: Vec<f64>,
    /// Factor with levels `a`, `b`, `c`.
    pub g: Vec<&'static str>,
    /// A logical covariate.
    pub ok: Vec<bool>,
    /// Prior weights in [0.5, 1.5).
    pub w: Vec<f64>,
    /// Gaussian response.
    pub y: Vec<f64>,
    /// Count response.
    pub count: Vec<f64>,
}

/// [`Columns`] of `n` rows.
pub fn columns(n: usize) -> Columns {
    let x: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect();
    let z: Vec<f64> = (1..=n).map(|i| (i as f64 * 2f64.sqrt()) % 1.0).collect();
    let u: Vec<f64> = (1..=n).map(|i| (i as f64 * 3f64.sqrt()) % 1.0).collect();
    let v: Vec<f64> = (1..=n).map(|i| (i as f64 * 5f64.sqrt()) % 1.0).collect();
    let g: Vec<&'static str> = (0..n).map(|i| ["a", "b", "c"][(i * 7) % 3]).collect();
    let ok: Vec<bool> = v.iter().map(|&v| v < 0.4).collect();
    let shift = |i: usize| match g[i] {
        "a" => 0.0,
        "b" => 0.5,
        _ => -0.3,
    } + if ok[i] { 0.4 } else { 0.0 };
    let y = (0..n)
        .map(|i| (6.0 * x[i]).sin() + (2.0 * z[i]).exp() / 3.0 + shift(i) + (u[i] - 0.5))
        .collect();
    let count = (0..n)
        .map(|i| (1.0 + (3.0 * x[i]).sin() + z[i] + shift(i) + 2.0 * u[i]).exp().floor())
        .collect();
    let w = v.iter().map(|&v| 0.5 + v).collect();
    Columns {
        x,
        z,
        g,
        ok,
        w,
        y,
        count,
    }
}

impl Columns {
    /// Every column as a [`Frame`] built in memory (`g` a factor, `ok` a logical).
    pub fn frame(&self) -> Frame {
        Frame::builder()
            .numeric("x", self.x.clone())
            .numeric("z", self.z.clone())
            .factor("g", self.g.iter().map(|&g| Some(g)))
            .logical("ok", self.ok.iter().map(|&b| Some(b)))
            .numeric("w", self.w.clone())
            .numeric("y", self.y.clone())
            .numeric("count", self.count.clone())
            .build()
            .expect("a valid frame")
    }

    /// Every column as CSV text, numbers written with `{}` (shortest
    /// round-trip), the logical as R writes it (`TRUE`/`FALSE`).
    pub fn csv(&self) -> String {
        let mut text = String::from("x,z,g,ok,w,y,count\n");
        for i in 0..self.x.len() {
            let ok = if self.ok[i] { "TRUE" } else { "FALSE" };
            writeln!(
                text,
                "{},{},{},{},{},{},{}",
                self.x[i], self.z[i], self.g[i], ok, self.w[i], self.y[i], self.count[i]
            )
            .expect("writing to a string");
        }
        text
    }

    /// Writes [`csv`](Self::csv) to `dir/data.csv`.
    pub fn write_csv(&self, dir: &Path) -> PathBuf {
        let path = dir.join("data.csv");
        std::fs::write(&path, self.csv()).expect("write the CSV file");
        path
    }
}

/// The values of `v` as bits: equal means identical to the last bit.
pub fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}
