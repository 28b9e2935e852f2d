//! The warm-start cache keys ([`gam::expert::cache::keys`]): the exact key changes with
//! everything that determines a fit (a data value, the formula's meaning, k,
//! family, link, method, options, engine version) and with nothing else
//! (column order in the CSV, unused columns, spacing and term order of the
//! formula, rows dropped for missing values); the coarse key ignores the data.

use std::path::Path;

use gam::ENGINE_VERSION;
use gam::expert::cache::keys::{FitKeys, KeyMaterial, fit_keys, fit_keys_for, fit_keys_with_version};
use gam::expert::data::{DataFrame, ReadOptions};
use gam::expert::fit::Convergence;
use gam::expert::fit::driver::prepare;
use gam::expert::formula::Formula;
use gam::expert::model::{FitOptions, GamSpec};
use tempfile::TempDir;

const FORMULA: &str = "y ~ s(x, k = 6) + z + g";

/// Rows of (x, z, g, w, y); `w` is never used by [`FORMULA`].
fn rows() -> Vec<(f64, f64, &'static str, f64, f64)> {
    (0..40)
        .map(|i| {
            let x = i as f64 / 40.0;
            let z = ((i * 7) % 11) as f64 / 11.0;
            let g = ["a", "b", "c"][i % 3];
            let w = (i * 13 % 17) as f64;
            let y = (6.0 * x).sin() + 0.5 * z + (i % 3) as f64 + 0.01 * ((i * 31) % 7) as f64;
            (x, z, g, w, y)
        })
        .collect()
}

/// Writes a CSV with `columns` (a subset/permutation of x, z, g, w, y) and reads it back.
fn csv(dir: &Path, name: &str, columns: &[&str], edit: impl Fn(usize, &str, String) -> String) -> DataFrame {
    let mut text = columns.join(",") + "\n";
    for (i, (x, z, g, w, y)) in rows().into_iter().enumerate() {
        let cells: Vec<String> = columns
            .iter()
            .map(|&c| {
                let v = match c {
                    "x" => x.to_string(),
                    "z" => z.to_string(),
                    "g" => g.to_string(),
                    "w" => w.to_string(),
                    "y" => y.to_string(),
                    _ => unreachable!(),
                };
                edit(i, c, v)
            })
            .collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    DataFrame::read_csv(&path).unwrap()
}

fn unchanged(_: usize, _: &str, v: String) -> String {
    v
}

fn spec(formula: &str) -> GamSpec {
    GamSpec::new(Formula::parse(formula).unwrap())
}

/// The keys of fitting `formula` to `data`, on the rows actually used.
fn keys(formula: &str, data: &DataFrame) -> FitKeys {
    let spec = spec(formula);
    let prepared = prepare(&spec, data).unwrap();
    fit_keys(&spec, &prepared.data).unwrap()
}

struct Fixture {
    _dir: TempDir,
    base: DataFrame,
    dir_path: std::path::PathBuf,
}

fn fixture() -> Fixture {
    let dir = TempDir::new().unwrap();
    let base = csv(dir.path(), "base.csv", &["x", "z", "g", "y"], unchanged);
    Fixture {
        dir_path: dir.path().to_path_buf(),
        _dir: dir,
        base,
    }
}

#[test]
fn keys_are_deterministic() {
    let f = fixture();
    assert_eq!(keys(FORMULA, &f.base), keys(FORMULA, &f.base));
    let again = csv(&f.dir_path, "again.csv", &["x", "z", "g", "y"], unchanged);
    assert_eq!(keys(FORMULA, &f.base), keys(FORMULA, &again));
    let k = keys(FORMULA, &f.base);
    assert_ne!(k.exact, k.coarse);
}

#[test]
fn one_data_value_changes_the_exact_key_only() {
    let f = fixture();
    let base = keys(FORMULA, &f.base);
    for column in ["x", "z", "y"] {
        let changed = csv(
            &f.dir_path,
            &format!("changed-{column}.csv"),
            &["x", "z", "g", "y"],
            |i, c, v| {
                if i == 17 && c == column {
                    format!("{}", v.parse::<f64>().unwrap() + 1e-9)
                } else {
                    v
                }
            },
        );
        let k = keys(FORMULA, &changed);
        assert_ne!(k.exact, base.exact, "a changed {column} value");
        assert_eq!(k.coarse, base.coarse, "the coarse key ignores the data ({column})");
    }
    // A factor value: another level at one row.
    let changed = csv(&f.dir_path, "changed-g.csv", &["x", "z", "g", "y"], |i, c, v| {
        if i == 3 && c == "g" { "b".to_string() } else { v }
    });
    assert_ne!(keys(FORMULA, &changed).exact, base.exact);
    // One row fewer.
    let fewer = f.base.select_rows(&(0..39).collect::<Vec<_>>());
    assert_ne!(keys(FORMULA, &fewer).exact, base.exact);
}

#[test]
fn column_order_and_unused_columns_do_not_change_the_keys() {
    let f = fixture();
    let base = keys(FORMULA, &f.base);
    let reordered = csv(&f.dir_path, "reordered.csv", &["y", "g", "x", "z"], unchanged);
    assert_eq!(keys(FORMULA, &reordered), base);
    let extra = csv(&f.dir_path, "extra.csv", &["w", "x", "z", "y", "g"], unchanged);
    assert_eq!(keys(FORMULA, &extra), base);
    // A missing value in an unused column keeps the row: same keys.
    let missing_unused = csv(
        &f.dir_path,
        "missing-unused.csv",
        &["x", "z", "g", "y", "w"],
        |i, c, v| {
            if i == 5 && c == "w" { "NA".to_string() } else { v }
        },
    );
    assert_eq!(keys(FORMULA, &missing_unused), base);
}

#[test]
fn rows_dropped_for_missing_values_are_not_part_of_the_key() {
    let f = fixture();
    // Row 8 with a missing y is dropped: the fit is that of the other 39 rows.
    let with_na = csv(&f.dir_path, "na.csv", &["x", "z", "g", "y"], |i, c, v| {
        if i == 8 && c == "y" { "NA".to_string() } else { v }
    });
    let without: Vec<usize> = (0..40).filter(|&i| i != 8).collect();
    assert_eq!(keys(FORMULA, &with_na), keys(FORMULA, &f.base.select_rows(&without)));
    assert_ne!(keys(FORMULA, &with_na).exact, keys(FORMULA, &f.base).exact);
}

#[test]
fn spacing_and_term_order_of_the_formula_do_not_change_the_keys() {
    let f = fixture();
    let base = keys(FORMULA, &f.base);
    for same in [
        "y~s(x,k=6)+z+g",
        "y ~ s( x , k = 6 )   +  z +  g",
        "y ~\n  s(x, k = 6) +\n  z + g",
        "y ~ g + z + s(x, k = 6)",
        "y ~ z + s(x, k = 6) + g",
        "y ~ s(x, k = 6) + z + g + 1",
    ] {
        assert_eq!(keys(same, &f.base), base, "{same:?}");
    }
}

#[test]
fn the_formula_s_meaning_and_k_change_the_exact_and_coarse_keys() {
    let f = fixture();
    let base = keys(FORMULA, &f.base);
    for other in [
        "y ~ s(x, k = 7) + z + g",
        "y ~ s(x, k = 6, bs = \"cr\") + z + g",
        "y ~ s(x, k = 6) + s(z) + g",
        "y ~ s(x, k = 6) + z",
        "y ~ s(x, k = 6) + z + g - 1",
        "y ~ s(x, k = 6, by = g) + z + g",
        "y ~ s(x, k = 6) + x + g",
        "z ~ s(x, k = 6) + y + g",
    ] {
        let k = keys(other, &f.base);
        assert_ne!(k.exact, base.exact, "{other:?}");
        assert_ne!(k.coarse, base.coarse, "{other:?}");
    }
}

#[test]
fn reading_a_column_as_a_factor_changes_the_keys() {
    let f = fixture();
    let path = f.dir_path.join("base.csv");
    let formula = "y ~ s(x, k = 6) + z";
    let numeric = DataFrame::read_csv(&path).unwrap();
    let factor = DataFrame::read_csv_with(
        &path,
        &ReadOptions {
            factors: vec!["z".to_string()],
        },
    )
    .unwrap();
    let (a, b) = (keys(formula, &numeric), keys(formula, &factor));
    assert_ne!(a.exact, b.exact);
    assert_ne!(a.coarse, b.coarse, "column types are part of the coarse key");
}

#[test]
fn family_link_method_and_options_change_the_keys() {
    // Only the Gaussian family and identity link exist, so their names are
    // varied through the key material the spec contributes.
    let f = fixture();
    let spec = spec(FORMULA);
    let data = prepare(&spec, &f.base).unwrap().data;
    let of_spec = KeyMaterial::of(&spec);
    let base = fit_keys_for(&of_spec, &data).unwrap();
    assert_eq!(base, fit_keys(&spec, &data).unwrap());
    assert_eq!(of_spec.family, "gaussian");
    assert_eq!(of_spec.link, "identity");
    let mut options = FitOptions::default();
    options.newton.max_iter += 1;
    let mut bam_test = FitOptions::default();
    bam_test.newton.convergence = Convergence::Bam;
    let variants = [
        KeyMaterial {
            family: "poisson",
            ..of_spec.clone()
        },
        KeyMaterial {
            link: "log",
            ..of_spec.clone()
        },
        KeyMaterial {
            method: "GCV.Cp",
            ..of_spec.clone()
        },
        KeyMaterial {
            options: &options,
            ..of_spec.clone()
        },
        KeyMaterial {
            options: &bam_test,
            ..of_spec.clone()
        },
    ];
    for m in &variants {
        let k = fit_keys_for(m, &data).unwrap();
        assert_ne!(k.exact, base.exact, "{m:?}");
        assert_ne!(k.coarse, base.coarse, "{m:?}");
    }
    // And through a spec: the options a spec carries.
    let mut other = spec.clone();
    other.options.newton.max_iter = 50;
    assert_ne!(fit_keys(&other, &data).unwrap().exact, base.exact);
}

#[test]
fn the_engine_version_changes_the_keys() {
    let f = fixture();
    let spec = spec(FORMULA);
    let data = prepare(&spec, &f.base).unwrap().data;
    let base = fit_keys(&spec, &data).unwrap();
    assert_eq!(fit_keys_with_version(&spec, &data, ENGINE_VERSION).unwrap(), base);
    let other = fit_keys_with_version(&spec, &data, "0.0.0-another-build").unwrap();
    assert_ne!(other.exact, base.exact);
    assert_ne!(other.coarse, base.coarse);
}

/// mgcv's `select = TRUE` and user knots (issue 13) change both keys; knots by name, in any
/// order given, and each value counts.
#[test]
fn select_and_knots_change_the_keys() {
    let f = fixture();
    let base_spec = spec(FORMULA);
    let data = prepare(&base_spec, &f.base).unwrap().data;
    let base = fit_keys(&base_spec, &data).unwrap();
    let mut select = base_spec.clone();
    select.options.select = true;
    let with_select = fit_keys(&select, &data).unwrap();
    assert_ne!(with_select.exact, base.exact);
    assert_ne!(with_select.coarse, base.coarse);

    let with_knots = |knots: &[(&str, Vec<f64>)]| {
        let mut s = base_spec.clone();
        s.options.knots = knots.iter().map(|(n, v)| (n.to_string(), v.clone())).collect();
        fit_keys(&s, &data).unwrap()
    };
    let a = with_knots(&[("x", vec![0.0, 0.5, 1.0])]);
    assert_ne!(a.exact, base.exact);
    assert_ne!(a.coarse, base.coarse);
    assert_ne!(with_knots(&[("x", vec![0.0, 0.5, 1.5])]).exact, a.exact);
    assert_ne!(with_knots(&[("z", vec![0.0, 0.5, 1.0])]).exact, a.exact);
    assert_eq!(
        with_knots(&[("x", vec![0.0, 0.5, 1.0]), ("z", vec![2.0, 3.0])]),
        with_knots(&[("z", vec![2.0, 3.0]), ("x", vec![0.0, 0.5, 1.0])])
    );
    // xt = list(max.knots, seed) is in the formula, so in its canonical form.
    let xt = spec("y ~ s(x, k = 6, xt = list(seed = 2)) + z + g");
    assert_ne!(fit_keys(&xt, &data).unwrap().exact, base.exact);
}

#[test]
fn formula_expressions_and_ordered_factors_change_the_keys() {
    // Issue 13: `log(x)` is not `x`, nor a column called `log(x)`; `fac*z` is
    // not `fac + z`; an ordered factor is not a factor.
    let f = fixture();
    let shifted = |s: &str| s.replace("x,", "I(x + 1),").replace("+ z", "+ log(z + 1)");
    let base = keys(FORMULA, &f.base);
    for other in [
        shifted(FORMULA),
        FORMULA.replace("+ z", "+ I(z^2)"),
        FORMULA.replace("+ z + g", "+ z*g"),
        FORMULA.replace("+ z + g", "+ z:g + z"),
        FORMULA.replace("+ g", "+ ordered(g)"),
        FORMULA.replace("y ~", "log(y + 10) ~"),
    ] {
        let k = keys(&other, &f.base);
        assert_ne!(k.exact, base.exact, "{other}");
        assert_ne!(k.coarse, base.coarse, "{other}");
    }
    // Spelling does not matter: spaces inside an expression, or z*g for z + g + z:g.
    assert_eq!(
        keys(&FORMULA.replace("+ z + g", "+ z*g"), &f.base),
        keys(&FORMULA.replace("+ z + g", "+ z + g + z:g"), &f.base)
    );
    assert_eq!(
        Formula::parse("y ~ log(x+1)").unwrap().canonical(),
        Formula::parse("y ~ log( x + 1 )").unwrap().canonical()
    );
    // The expression log(z) and a column literally named `log(z)` differ.
    assert_ne!(
        Formula::parse("y ~ log(z)").unwrap().canonical(),
        Formula::parse("y ~ `log(z)`").unwrap().canonical()
    );
    // --ordered g: the same data, g read as an ordered factor.
    let mut ordered = f.base.clone();
    ordered.make_ordered("g").unwrap();
    let k = keys(FORMULA, &ordered);
    assert_ne!(k.exact, base.exact);
    assert_ne!(k.coarse, base.coarse);
}

#[test]
fn smoothing_controls_change_the_keys() {
    // Issue 13 item 4: mgcv's sp = (model and per term) and min.sp.
    let f = fixture();
    let spec = spec(FORMULA);
    let data = prepare(&spec, &f.base).unwrap().data;
    let base = fit_keys(&spec, &data).unwrap();
    let with = |sp: Option<Vec<f64>>, min_sp: Option<Vec<f64>>| {
        let mut s = spec.clone();
        s.options.sp = sp;
        s.options.min_sp = min_sp;
        fit_keys(&s, &data).unwrap()
    };
    let keys = [
        with(Some(vec![0.1]), None),
        with(Some(vec![0.2]), None),
        with(Some(vec![-1.0]), None),
        with(None, Some(vec![0.1])),
        with(None, Some(vec![0.0])),
        with(Some(vec![0.1]), Some(vec![0.1])),
    ];
    for (i, k) in keys.iter().enumerate() {
        assert_ne!(k.exact, base.exact, "variant {i}");
        assert_ne!(k.coarse, base.coarse, "variant {i}");
        for (j, other) in keys.iter().enumerate().skip(i + 1) {
            assert_ne!(k.exact, other.exact, "variants {i} and {j}");
        }
    }
    // sp and min.sp with the same values are different options.
    assert_ne!(with(Some(vec![0.5]), None).exact, with(None, Some(vec![0.5])).exact);
    // A term's own sp is part of the formula's key.
    let term = FORMULA.replacen("s(x", "s(x, sp = 0.1", 1);
    assert_ne!(term, FORMULA, "the fixture formula has s(x...)");
    assert_ne!(fit_keys(&self::spec(&term), &data).unwrap().exact, base.exact);
}

#[test]
fn fixed_family_parameters_and_power_links_change_the_keys() {
    // Issue 13 item 4: negbin(θ), Tweedie(p) and power(q) carry their numbers into the keys.
    use gam::expert::family::family_and_link;
    let f = fixture();
    let data = prepare(&spec(FORMULA), &f.base).unwrap().data;
    let key = |family: &str, link: Option<&str>| {
        let (fam, l) = family_and_link(family, link).unwrap();
        fit_keys(&spec(FORMULA).with_family(fam, l), &data).unwrap().exact
    };
    let keys = [
        key("nb", None),
        key("negbin(3)", None),
        key("negbin(4)", None),
        key("tw", None),
        key("Tweedie(1.25)", None),
        key("Tweedie(1.5)", None),
        key("Tweedie(1.25)", Some("power(0.1)")),
        key("Tweedie(1.25)", Some("power(0.2)")),
        key("poisson", None),
        key("quasipoisson", None),
        key("binomial", None),
        key("quasibinomial", None),
    ];
    for (i, a) in keys.iter().enumerate() {
        for (j, b) in keys.iter().enumerate().skip(i + 1) {
            assert_ne!(a, b, "variants {i} and {j}");
        }
    }
    // power(0) is R's log link: the same model, the same key.
    assert_eq!(key("Tweedie(1.25)", Some("power(0)")), keys[4]);
}

#[test]
fn the_smoothness_criterion_and_gamma_change_the_keys() {
    let f = fixture();
    let spec = spec(FORMULA);
    let data = prepare(&spec, &f.base).unwrap().data;
    let base = fit_keys(&spec, &data).unwrap();
    let mut seen = vec![base];
    for method in [
        gam::Method::Ml,
        gam::Method::GcvCp,
        gam::Method::GacvCp,
        gam::Method::PReml,
        gam::Method::PMl,
    ] {
        let mut other = spec.clone();
        other.options.method = method;
        let k = fit_keys(&other, &data).unwrap();
        assert!(
            seen.iter().all(|s| s.exact != k.exact && s.coarse != k.coarse),
            "{method:?}"
        );
        seen.push(k);
    }
    let mut g = spec.clone();
    g.options.gamma = 1.4;
    let k = fit_keys(&g, &data).unwrap();
    assert!(seen.iter().all(|s| s.exact != k.exact && s.coarse != k.coarse));
    // Asking for the default explicitly is the same fit.
    let mut same = spec.clone();
    same.options.method = gam::Method::parse("REML").unwrap();
    same.options.gamma = 1.0;
    assert_eq!(fit_keys(&same, &data).unwrap(), base);
}

#[test]
fn the_scale_setting_changes_the_keys() {
    let f = fixture();
    let spec = spec(FORMULA);
    let data = prepare(&spec, &f.base).unwrap().data;
    let base = fit_keys(&spec, &data).unwrap();
    let mut seen = vec![base];
    for scale in [
        gam::ScaleSetting::Known(2.0),
        gam::ScaleSetting::Known(3.0),
        gam::ScaleSetting::Estimated,
    ] {
        let mut other = spec.clone();
        other.options.scale = scale;
        let k = fit_keys(&other, &data).unwrap();
        assert!(
            seen.iter().all(|s| s.exact != k.exact && s.coarse != k.coarse),
            "{scale:?}"
        );
        seen.push(k);
    }
    // mgcv's `scale = 0` is the default: the same fit, the same key; every negative number
    // means "estimate", so -1 and -5 are the same fit too.
    let mut same = spec.clone();
    same.options.scale = gam::ScaleSetting::from_mgcv(0.0).unwrap();
    assert_eq!(fit_keys(&same, &data).unwrap(), base);
    same.options.scale = gam::ScaleSetting::from_mgcv(-5.0).unwrap();
    assert_eq!(fit_keys(&same, &data).unwrap(), seen[3]);
}

/// An MRF's neighbourhood file is named in the formula; its contents are
/// part of the model, so editing the file changes both keys (issue 16).
#[test]
fn the_contents_of_an_mrf_neighbourhood_file_change_the_keys() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let nb = dir.path().join("nb.json");
    let formula = format!("y ~ s(g, bs = \"mrf\", xt = \"{}\")", nb.display());
    std::fs::write(
        &nb,
        r#"{"format":"gam-neighbours/1","neighbours":{"a":["b"],"b":["a"],"c":[]}}"#,
    )
    .unwrap();
    let a = keys(&formula, &fx.base);
    assert_eq!(keys(&formula, &fx.base), a, "deterministic");
    std::fs::write(
        &nb,
        r#"{"format":"gam-neighbours/1","neighbours":{"a":[],"b":["c"],"c":["b"]}}"#,
    )
    .unwrap();
    let b = keys(&formula, &fx.base);
    assert_ne!(b.exact, a.exact);
    assert_ne!(b.coarse, a.coarse);
}

/// Areas given by polygons: moving a vertex changes the keys even where the
/// neighbours it implies stay the same (the polygons are kept for plots).
#[test]
fn the_polygons_of_an_mrf_neighbourhood_file_change_the_keys() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let nb = dir.path().join("polys.json");
    let formula = format!("y ~ s(g, bs = \"mrf\", xt = \"{}\")", nb.display());
    let file = |x: &str| {
        format!(
            r#"{{"format":"gam-neighbours/1","polygons":{{"a":[[[0,0],[1,0],[1,1]]],"b":[[[1,0],[2,0],[{x},1]]],"c":[[[5,5],[6,5],[6,6]]]}}}}"#
        )
    };
    std::fs::write(&nb, file("2")).unwrap();
    let a = keys(&formula, &fx.base);
    std::fs::write(&nb, file("2.5")).unwrap();
    let b = keys(&formula, &fx.base);
    assert_ne!(b.exact, a.exact);
    assert_ne!(b.coarse, a.coarse);
    std::fs::write(&nb, file("2")).unwrap();
    assert_eq!(keys(&formula, &fx.base), a, "the same bytes, the same keys");
}

/// A tensor product's mrf margin names its file in the formula's per-margin
/// `xt`; its contents are hashed as a plain MRF's are (issue 16).
#[test]
fn the_file_of_an_mrf_margin_of_a_tensor_product_changes_the_keys() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let nb = dir.path().join("nb.json");
    let formula = format!(
        "y ~ te(g, x, bs = c(\"mrf\", \"cr\"), k = c(3, 5), xt = list(\"{}\", NULL))",
        nb.display()
    );
    std::fs::write(
        &nb,
        r#"{"format":"gam-neighbours/1","neighbours":{"a":["b"],"b":["a"],"c":[]}}"#,
    )
    .unwrap();
    let a = keys(&formula, &fx.base);
    assert_eq!(keys(&formula, &fx.base), a, "deterministic");
    std::fs::write(
        &nb,
        r#"{"format":"gam-neighbours/1","neighbours":{"a":[],"b":["c"],"c":["b"]}}"#,
    )
    .unwrap();
    let b = keys(&formula, &fx.base);
    assert_ne!(b.exact, a.exact);
    assert_ne!(b.coarse, a.coarse);
    // The single xt for every margin is the same model as the per-margin list.
    let shared = format!(
        "y ~ te(g, x, bs = c(\"mrf\", \"cr\"), k = c(3, 5), xt = \"{}\")",
        nb.display()
    );
    assert_eq!(keys(&shared, &fx.base), b);
}
