//! `gam plot --out`: every public reference case's smooths drawn to SVG and
//! PNG through the built binary. Each picture must parse as what it claims
//! to be, have the size of mgcv's panel grid for its terms, and (SVG) carry
//! each panel's label: the term with its EDF, as mgcv writes it. Nothing
//! here needs a display or installed fonts.

mod common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use common::gam_in;
use serde_json::Value;
use tempfile::TempDir;

/// One panel's size in pixels (the binary's `draw::PANEL`).
const PANEL: (u32, u32) = (480, 420);

fn bench() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../gam/tests/data/bench")
}

/// mgcv's rows and columns for `n` panels on one page.
fn layout(n: usize) -> (u32, u32) {
    let mut c = ((n as f64).sqrt().trunc() as u32).max(1);
    let mut r = c;
    if (c * r) < n as u32 {
        c += 1;
    }
    if (c * r) < n as u32 {
        r += 1;
    }
    (r, c)
}

/// Width and height from a PNG's IHDR chunk, after checking its signature.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

fn args(list: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<OsString> {
    list.iter().map(|a| a.as_ref().to_os_string()).collect()
}

/// Fits `formula` to `data` (no cache) and saves the model as `dir/m.json`.
fn fit_model(dir: &Path, data: &Path, formula: &str, extra: &[&str]) -> PathBuf {
    let model = dir.join("m.json");
    let mut list: Vec<&dyn AsRef<std::ffi::OsStr>> =
        vec![&"fit", &"-q", &"--no-cache", &data, &formula, &"--out", &model];
    list.extend(extra.iter().map(|e| e as &dyn AsRef<std::ffi::OsStr>));
    let run = gam_in(dir, args(&list));
    assert_eq!(run.code, 0, "{run:?}");
    model
}

#[test]
fn every_public_case_draws_to_svg_and_png_with_a_labelled_panel_per_term() {
    let cases: Value = serde_json::from_slice(&std::fs::read(bench().join("cases.json")).unwrap()).unwrap();
    let mut drawn = 0;
    for case in cases.as_array().unwrap() {
        if case["visibility"] != "public" {
            continue;
        }
        let id = case["id"].as_str().unwrap();
        let dir = TempDir::new().unwrap();
        let data = bench().join(case["data"].as_str().unwrap());
        let model = dir.path().join("m.json");
        let mut fit = args(&[
            &"fit",
            &"--no-cache",
            &"-q",
            &data,
            &case["formula"].as_str().unwrap(),
            &"--family",
            &case["family"].as_str().unwrap(),
            &"--link",
            &case["link"].as_str().unwrap(),
            &"--out",
            &model,
        ]);
        for f in case["factors"].as_array().unwrap() {
            fit.extend(args(&[&"--factor", &f.as_str().unwrap()]));
        }
        let run = gam_in(dir.path(), &fit);
        assert_eq!(run.code, 0, "{id}: {run:?}");
        let doc = gam_in(dir.path(), args(&[&"plot", &model, &data, &"--json"]));
        assert_eq!(doc.code, 0, "{id}: {doc:?}");
        let terms = doc.json()["terms"].as_array().unwrap().clone();
        if terms.is_empty() {
            let run = gam_in(
                dir.path(),
                args(&[&"plot", &model, &data, &"--out", &dir.path().join("p.svg")]),
            );
            assert!(
                run.code == 2 && run.stderr.contains("no smooth term to plot"),
                "{id}: {run:?}"
            );
            continue;
        }
        let (rows, cols) = layout(terms.len());
        for ext in ["svg", "png"] {
            let out = dir.path().join(format!("p.{ext}"));
            let run = gam_in(
                dir.path(),
                args(&[&"plot", &model, &data, &"--out", &out, &"--pages", &"1", &"--residuals"]),
            );
            assert_eq!(run.code, 0, "{id} {ext}: {run:?}");
            let bytes = std::fs::read(&out).unwrap();
            if ext == "png" {
                assert_eq!(png_size(&bytes), (PANEL.0 * cols, PANEL.1 * rows), "{id}: picture size");
                continue;
            }
            let svg = String::from_utf8(bytes).unwrap();
            assert!(
                svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
                "{id}: not an SVG document"
            );
            assert!(
                svg.contains(&format!("width=\"{}\"", PANEL.0 * cols)),
                "{id}: SVG width for {} panels",
                terms.len()
            );
            for t in &terms {
                // A curve's y label or a surface's and a random effect's title: the term and its EDF.
                let label = if t["kind"] == "curve" { &t["ylab"] } else { &t["main"] };
                let label = label.as_str().unwrap();
                assert_eq!(
                    svg.matches(&format!(">\n{label}\n</text>")).count(),
                    1,
                    "{id}: label {label} once"
                );
            }
        }
        drawn += 1;
    }
    assert!(drawn >= 17, "only {drawn} cases drawn");
}

#[test]
fn one_picture_per_term_by_default_and_select_picks_terms() {
    let dir = TempDir::new().unwrap();
    let data = bench().join("data/gamsim6_n400.csv");
    let formula = "y ~ s(x0) + s(x1) + s(fac, bs = \"re\")";
    let model = fit_model(dir.path(), &data, formula, &[]);
    let out = dir.path().join("t.svg");
    let run = gam_in(dir.path(), args(&[&"plot", &model, &data, &"--out", &out, &"--shade"]));
    assert_eq!(run.code, 0, "{run:?}");
    for i in 1..=3 {
        assert!(dir.path().join(format!("t-{i}.svg")).exists(), "picture {i}");
    }
    assert!(!out.exists() && !dir.path().join("t-4.svg").exists());
    let one = dir.path().join("one.png");
    let run = gam_in(
        dir.path(),
        args(&[&"plot", &model, &data, &"--out", &one, &"--select", &"s(x1)"]),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(png_size(&std::fs::read(&one).unwrap()), PANEL);
    let run = gam_in(
        dir.path(),
        args(&[&"plot", &model, &data, &"--out", &one, &"--select", &"s(z)"]),
    );
    assert!(
        run.code == 2
            && run
                .stderr
                .contains("--select s(z): no such smooth term (terms: s(x0), s(x1), s(fac))"),
        "{run:?}"
    );
    let run = gam_in(
        dir.path(),
        args(&[&"plot", &model, &data, &"--out", &dir.path().join("p.pdf")]),
    );
    assert!(
        run.code == 1 && run.stderr.contains("name the picture .svg or .png"),
        "{run:?}"
    );
}

/// mgcv's default `scale = -1`: every curve on the y range of all curves'
/// bands (the document's `ylim`); `--scale 0` gives each its own.
#[test]
fn curves_share_a_y_scale_unless_scale_is_0() {
    let dir = TempDir::new().unwrap();
    let data = bench().join("data/gamsim1_n400.csv");
    let model = fit_model(dir.path(), &data, "y ~ s(x0) + s(x2)", &[]);
    let run = gam_in(dir.path(), args(&[&"plot", &model, &data, &"--json"]));
    assert_eq!(run.code, 0, "{run:?}");
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let nums = |v: &Value| -> Vec<f64> { v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect() };
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for t in doc["terms"].as_array().unwrap() {
        for (f, s) in nums(&t["fit"]).into_iter().zip(nums(&t["se"])) {
            lo = lo.min(f - s);
            hi = hi.max(f + s);
        }
    }
    assert_eq!(nums(&doc["ylim"]), vec![lo, hi]);
    // s(x2) spans a much wider range than s(x0): the shared scale shows in s(x0)'s ticks.
    let svg = |scale: &str| {
        let out = dir.path().join(format!("p{scale}.svg"));
        let run = gam_in(
            dir.path(),
            args(&[
                &"plot",
                &model,
                &data,
                &"--select",
                &"s(x0)",
                &"--scale",
                &scale,
                &"--out",
                &out,
            ]),
        );
        assert_eq!(run.code, 0, "{run:?}");
        std::fs::read_to_string(out).unwrap()
    };
    let (common, own) = (svg("-1"), svg("0"));
    assert_ne!(common, own);
    assert!(
        common.contains(">\n-4\n</text>"),
        "the common scale reaches s(x2)'s range"
    );
    assert!(!own.contains(">\n-4\n</text>"), "s(x0) alone stays within ±3");
    let run = gam_in(dir.path(), args(&[&"plot", &model, &data, &"--json", &"--scale", &"2"]));
    assert_eq!(run.code, 2, "{run:?}");
}

/// `--all-terms` adds the parametric terms after the smooths (a segment per
/// factor level, labelled with the level), and makes a model without smooths drawable.
#[test]
fn all_terms_draws_parametric_terms_too() {
    let dir = TempDir::new().unwrap();
    let data = bench().join("data/cake.csv");
    let formula = "angle ~ recipe + s(temp, k = 5)";
    let model = fit_model(dir.path(), &data, formula, &[]);
    let out = dir.path().join("all.svg");
    let run = gam_in(
        dir.path(),
        args(&[&"plot", &model, &data, &"--all-terms", &"--pages", &"1", &"--out", &out]),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let svg = std::fs::read_to_string(&out).unwrap();
    assert!(
        svg.contains(&format!("width=\"{}\"", PANEL.0 * 2)),
        "two panels side by side"
    );
    for label in ["Partial for recipe", "A", "B", "C"] {
        assert!(svg.contains(&format!(">\n{label}\n</text>")), "{label}");
    }
    let run = gam_in(dir.path(), args(&[&"plot", &model, &data, &"--all-terms", &"--json"]));
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let last = &doc["terms"][1];
    assert_eq!(
        (last["kind"].as_str(), last["label"].as_str()),
        (Some("parametric"), Some("recipe"))
    );
    assert_eq!(last["levels"], serde_json::json!(["A", "B", "C"]));

    let data = bench().join("data/insurance.csv");
    let formula = "Claims ~ District + Group + Age + offset(log_holders)";
    let run = gam_in(
        dir.path(),
        args(&[
            &"fit",
            &"-q",
            &"--no-cache",
            &data,
            &formula,
            &"--family",
            &"poisson",
            &"--factor",
            &"District",
            &"--out",
            &model,
        ]),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let png = dir.path().join("ins.png");
    let run = gam_in(dir.path(), args(&[&"plot", &model, &data, &"--out", &png]));
    assert!(run.code == 2 && run.stderr.contains("--all-terms"), "{run:?}");
    let run = gam_in(
        dir.path(),
        args(&[&"plot", &model, &data, &"--all-terms", &"--pages", &"1", &"--out", &png]),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        png_size(&std::fs::read(&png).unwrap()),
        (PANEL.0 * 2, PANEL.1 * 2),
        "3 panels on 2 x 2"
    );
}

/// A smooth of three covariates is drawn as mgcv draws it: 3 x 3 image
/// panels titled with the third covariate's value, the data document
/// holding the panels (`slices`).
#[test]
fn a_three_covariate_smooth_is_a_grid_of_slices() {
    let dir = TempDir::new().unwrap();
    let data = bench().join("data/gamsim1_n400.csv");
    let model = fit_model(dir.path(), &data, "y ~ te(x0, x1, x2, k = 4)", &[]);
    let run = gam_in(dir.path(), args(&[&"plot", &model, &data, &"--json", &"--n3", &"2"]));
    assert_eq!(run.code, 0, "{run:?}");
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let t = &doc["terms"][0];
    assert_eq!(t["kind"], "slices");
    assert_eq!(
        t["slices"]["values"].as_array().unwrap().len(),
        4,
        "--n3 2: 2 x 2 panels"
    );
    assert_eq!(t["fit"].as_array().unwrap().len(), 4 * 40 * 40);
    let out = dir.path().join("s.svg");
    let run = gam_in(dir.path(), args(&[&"plot", &model, &data, &"--out", &out]));
    assert_eq!(run.code, 0, "{run:?}");
    let svg = std::fs::read_to_string(&out).unwrap();
    assert_eq!(svg.matches(">\nx2=").count(), 9, "nine panels titled with x2");
}

/// An MRF whose neighbourhood file gives polygons is drawn as a map: one
/// filled polygon per ring, a colour bar, the label with its EDF; its plot
/// data carry the areas, their values and rings.
#[test]
fn an_mrf_with_polygons_is_drawn_as_a_map() {
    let dir = TempDir::new().unwrap();
    let mrf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../gam/tests/data/mrf");
    let data = mrf.join("mrf_poly_n400.csv");
    let formula = format!(
        "y ~ s(area, bs = \"mrf\", xt = \"{}\")",
        mrf.join("polys.json").display()
    );
    let model = fit_model(dir.path(), &data, &formula, &[]);
    let run = gam_in(dir.path(), args(&[&"plot", &model, &data, &"--json"]));
    assert_eq!(run.code, 0, "{run:?}");
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let t = &doc["terms"][0];
    assert_eq!(t["kind"], "areas");
    assert_eq!(t["levels"].as_array().unwrap().len(), 34);
    assert_eq!(t["polygons"].as_array().unwrap().len(), 34);
    assert!(t.get("se").is_none(), "no standard errors, as mgcv");
    let label = t["main"].as_str().unwrap().to_string();
    let out = dir.path().join("map.svg");
    let run = gam_in(dir.path(), args(&[&"plot", &model, &data, &"--out", &out]));
    assert_eq!(run.code, 0, "{run:?}");
    let svg = std::fs::read_to_string(&out).unwrap();
    assert!(svg.contains(&label), "label {label}");
    // 36 rings filled (30 cells, a15's hole, the lake, a01's islet, the
    // island, two triangles), and the 100 bands of the colour bar.
    let rings = 36;
    assert!(
        svg.matches("<polygon").count() >= rings,
        "{}",
        svg.matches("<polygon").count()
    );
    assert!(svg.matches("<rect").count() >= 100);
}
