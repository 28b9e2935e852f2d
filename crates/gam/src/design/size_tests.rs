//! Tests of [`super`]: the plan's counts against what the builders make, and its refusals.

use super::*;

fn frame(n: usize, levels: usize) -> DataFrame {
    let x: Vec<f64> = (0..n).map(|i| i as f64 / n as f64).collect();
    let g: Vec<String> = (0..n).map(|i| format!("g{}", i % levels)).collect();
    let g = crate::data::FactorColumn::from_values(g.iter().map(|s| Some(s.as_str())));
    DataFrame::new(vec![
        ("y".into(), Column::Numeric(x.clone())),
        ("a".into(), Column::Numeric(x.clone())),
        ("b".into(), Column::Numeric(x.iter().map(|v| v * v).collect())),
        ("c".into(), Column::Numeric(x.iter().map(|v| v.sin()).collect())),
        ("g".into(), Column::Factor(g)),
    ])
    .unwrap()
}

fn plan_of(formula: &str, data: &DataFrame) -> Result<Plan> {
    plan_with_memory(&Formula::parse(formula).unwrap(), data, &Default::default(), || {
        16.0 * GIB
    })
}

#[test]
fn counts_match_what_the_builders_make() {
    let data = frame(400, 4);
    for (f, p) in [
        ("y ~ s(a)", 10),
        ("y ~ s(a, k = 20) + s(b, bs = \"cr\")", 1 + 19 + 9),
        ("y ~ s(a, bs = \"cc\")", 1 + 8),
        ("y ~ te(a, b)", 1 + 24),
        ("y ~ ti(a, b)", 1 + 16),
        ("y ~ te(a, b, c, k = 3)", 1 + 26),
        ("y ~ s(g, bs = \"re\")", 1 + 4),
        ("y ~ s(a, by = g) + g", 1 + 3 + 4 * 9),
        ("y ~ s(a, by = c)", 1 + 10),
        ("y ~ s(a, bs = \"ps\", m = c(3, 1))", 1 + 9),
        ("y ~ s(a, b)", 1 + 29),
        // m = c(2, 0): the null space (2 columns) goes, and no centring constraint.
        ("y ~ s(a, m = c(2, 0))", 1 + 8),
        ("y ~ s(a, b, k = 12, m = c(2, 0))", 1 + 9),
        ("y ~ s(a, bs = \"ts\") + s(b, bs = \"cs\")", 1 + 9 + 9),
        ("y ~ s(a, b, bs = \"ad\", k = c(6, 7))", 1 + 41),
        ("y ~ s(a, b, bs = \"ad\", k = 6, m = 2, by = g) + g", 1 + 3 + 4 * 35),
    ] {
        let formula = Formula::parse(f).unwrap();
        let plan = plan_with_memory(&formula, &data, &Default::default(), || 16.0 * GIB).unwrap();
        let design = crate::design::Design::build(&formula, &data).unwrap();
        assert_eq!(plan.n_coef, p, "{f}");
        assert_eq!(design.n_coef(), p, "{f}: the builders disagree with the plan");
    }
}

#[test]
fn absurd_sizes_are_refused_before_building() {
    let data = frame(400, 4);
    let e = plan_of("y ~ te(a, b, c, k = 20)", &data).unwrap_err().to_string();
    assert_eq!(
        e,
        "term te(a,b,c): k = 20 per margin gives 7999 coefficients but only 400 rows of data: reduce k or the \
         number of margins"
    );
    let e = plan_of("y ~ s(a, by = g, k = 150)", &data).unwrap_err().to_string();
    assert_eq!(
        e,
        "term s(a):g: k = 150 for each of 4 levels of g gives 596 coefficients but only 400 rows of data: \
         reduce k"
    );
    let e = plan_of("y ~ s(a, b, bs = \"ad\", k = c(20, 25))", &data)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("term s(a,b): k = c(20, 25) gives 499 coefficients"),
        "{e}"
    );
    let thirty: Vec<String> = (0..30).map(|i| format!("x{i}")).collect();
    let cols = thirty
        .iter()
        .map(|n| (n.clone(), Column::Numeric((0..400).map(|i| i as f64).collect())))
        .chain([("y".to_string(), Column::Numeric(vec![0.0; 400]))])
        .collect();
    let wide = DataFrame::new(cols).unwrap();
    let e = plan_of(&format!("y ~ te({})", thirty.join(", ")), &wide)
        .unwrap_err()
        .to_string();
    assert!(e.contains("9.3e20 coefficients but only 400 rows"), "{e}");
}

#[test]
fn memory_is_checked_against_what_is_available() {
    let data = frame(200_000, 100_000);
    let e = plan_of("y ~ s(a) + s(g, bs = \"re\")", &data).unwrap_err().to_string();
    assert!(
        e.starts_with("fit failed: the model has 100010 coefficients (s(g): 100000); the fit would need about 794.0 GiB of memory and 16.0 GiB is available"),
        "{e}"
    );
    let e = plan_of("y ~ s(a, k = 3000)", &data).unwrap_err().to_string();
    assert!(
        e.starts_with("term s(a): building this basis would need about 894.1 GiB"),
        "{e}"
    );
}

#[test]
fn a_small_model_does_not_ask_how_much_memory_there_is() {
    let data = frame(400, 4);
    let formula = Formula::parse("y ~ s(a) + g").unwrap();
    let mut asked = false;
    let plan = plan_with_memory(&formula, &data, &Default::default(), || {
        asked = true;
        16.0 * GIB
    });
    assert!(plan.is_ok() && !asked, "{:?}, asked: {asked}", plan.err());
    // A large one does (and is refused with what the closure says).
    let big = frame(200_000, 100_000);
    let formula = Formula::parse("y ~ s(a) + s(g, bs = \"re\")").unwrap();
    let e = plan_with_memory(&formula, &big, &Default::default(), || 1.0 * GIB)
        .unwrap_err()
        .to_string();
    assert!(e.contains("and 1.0 GiB is available"), "{e}");
}

#[test]
fn negative_and_malformed_m_name_the_term() {
    let data = frame(100, 2);
    for (f, msg) in [
        (
            "y ~ s(a, m = -1)",
            "term s(a): m = -1: penalty and basis orders are whole numbers from 0",
        ),
        ("y ~ s(a, bs = \"ps\", m = -1)", "term s(a): m = -1"),
        ("y ~ s(a, bs = \"cc\", m = -1)", "term s(a): m = -1"),
        ("y ~ te(a, b, m = -1)", "term te(a,b): m = -1"),
        ("y ~ te(a, b, m = c(2, -3))", "term te(a,b): m = -3"),
        (
            "y ~ s(a, m = c(2, 0, 1))",
            "term s(a): m has 3 values; bs = \"tp\" takes m or c(m, 0)",
        ),
        (
            "y ~ s(a, m = c(2, NA))",
            "term s(a): m has 2 values; bs = \"tp\" takes m or c(m, 0)",
        ),
        (
            "y ~ s(a, bs = \"cr\", m = c(2, 0))",
            "term s(a): m has 2 values; bs = \"cr\" takes one",
        ),
        (
            "y ~ s(a, bs = \"ps\", m = c(2, 2, 2))",
            "term s(a): m has 3 values; a P-spline takes at most two",
        ),
    ] {
        let e = plan_of(f, &data).unwrap_err().to_string();
        assert!(e.starts_with(msg), "{f}: {e}");
    }
}

#[test]
fn k_below_the_minimum_warns_as_mgcv() {
    let data = frame(100, 2);
    let plan = plan_of(
        "y ~ s(a, k = 2) + s(b, bs = \"cr\", k = 0) + s(c, bs = \"cc\", k = 3)",
        &data,
    )
    .unwrap();
    assert_eq!(
        plan.warnings,
        [
            "s(a): basis dimension, k, increased to minimum possible (3)",
            "s(b): basis dimension, k, increased to minimum possible (3)",
            "s(c): basis dimension, k, increased to minimum possible (4)",
        ]
    );
    assert!(plan_of("y ~ s(a, k = 3)", &data).unwrap().warnings.is_empty());
    let plan = plan_of("y ~ ti(a, b, k = 2)", &data).unwrap();
    assert_eq!(
        plan.warnings,
        ["ti(a,b): basis dimension, k, increased to minimum possible (3)"]
    );
}

#[test]
fn a_numeric_column_spoiled_by_a_word_warns() {
    let values: Vec<String> = (0..30)
        .map(|i| if i == 17 { "n/a".into() } else { format!("{}", i % 9) })
        .collect();
    let text = crate::data::FactorColumn::from_values(values.iter().map(|s| Some(s.as_str())));
    let words = crate::data::FactorColumn::from_values((0..30).map(|i| Some(["a", "b", "7"][i % 3])));
    let data = DataFrame::new(vec![
        ("y".into(), Column::Numeric((0..30).map(f64::from).collect())),
        ("x".into(), Column::Factor(text)),
        ("g".into(), Column::Factor(words)),
    ])
    .unwrap();
    let plan = plan_of("y ~ x + g", &data).unwrap();
    assert_eq!(
        plan.warnings,
        [
            "column 'x' is used as a factor of 10 levels because row 18 holds 'n/a', not a number: if 'x' is \
          numeric, correct that value or write NA"
        ]
    );
}

#[test]
fn select_adds_one_penalty_where_a_null_space_is_left() {
    let data = frame(400, 4);
    let formula =
        Formula::parse("y ~ s(a) + s(b, bs = \"cc\") + s(g, bs = \"re\") + te(a, c) + s(c, fx = TRUE)").unwrap();
    let knots = std::collections::BTreeMap::new();
    let opts = crate::design::SmoothOptions {
        select: true,
        knots: Some(&knots),
        ..Default::default()
    };
    let design = crate::design::Design::build_with(&formula, &data, &opts).unwrap();
    let counts: Vec<usize> = design.smooths.iter().map(|s| s.penalties.len()).collect();
    // tp: +1; cc after centring and re: full rank, nothing; te: +1; fx: no penalties at all.
    assert_eq!(counts, [2, 1, 1, 3, 0]);
    assert_eq!(
        design.sp_names(),
        ["s(a)1", "s(a)2", "s(b)", "s(g)", "te(a,c)1", "te(a,c)2", "te(a,c)3"]
    );
    assert!(design.smooths[..4].iter().all(|s| s.null_space_dim() == 0));
}

#[test]
fn knots_for_a_column_no_smooth_uses_are_ignored_with_a_warning() {
    let data = frame(400, 4);
    let formula = Formula::parse("y ~ s(a, bs = \"cr\", k = 4) + s(g, bs = \"re\")").unwrap();
    let knots: std::collections::BTreeMap<String, Vec<f64>> = [
        ("a".to_string(), vec![0.0, 0.3, 0.6, 1.0]),
        ("zz".to_string(), vec![1.0]),
        ("g".to_string(), vec![1.0]),
    ]
    .into_iter()
    .collect();
    let opts = crate::design::SmoothOptions {
        select: false,
        knots: Some(&knots),
        ..Default::default()
    };
    let plan = plan_with_memory(&formula, &data, &opts, || 16.0 * GIB).unwrap();
    assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
    assert!(
        plan.warnings[0].starts_with("knots given for 'g', 'zz' that no smooth"),
        "{:?}",
        plan.warnings
    );
    let design = crate::design::Design::build_with(&formula, &data, &opts).unwrap();
    let crate::basis::Basis::Cr(cr) = &design.smooths[0].basis else {
        panic!("a cr basis")
    };
    assert_eq!(cr.knots(), [0.0, 0.3, 0.6, 1.0]);
}

#[test]
fn bad_knots_are_refused_naming_the_term() {
    let data = frame(400, 4);
    for (f, col, values, part) in [
        (
            "y ~ s(a, bs = \"cr\", k = 5)",
            "a",
            vec![0.0, 0.5, 1.0],
            "3 knots given but this basis needs 5",
        ),
        (
            "y ~ s(a, bs = \"cr\", k = 3)",
            "a",
            vec![0.0, 0.7, 0.5],
            "not increasing",
        ),
        ("y ~ s(a, bs = \"cc\", k = 5)", "a", vec![0.0, 0.5, 1.0], "needs 5 or 2"),
        (
            "y ~ s(a, bs = \"ps\", k = 6)",
            "a",
            vec![0.2, 0.8],
            "must lie within the knots' range",
        ),
        (
            "y ~ s(a, bs = \"ps\", k = 6)",
            "a",
            vec![0.0, 1.0, 2.0],
            "needs 2 or 10",
        ),
        (
            "y ~ s(a, b, k = 5)",
            "a",
            vec![0.0, 0.5, 1.0, 0.2, 0.4, 0.6],
            "covariate 2 has 4 knots",
        ),
        (
            "y ~ s(a, k = 6)",
            "a",
            vec![0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.5],
            "only 5 unique knots",
        ),
    ] {
        let mut knots: std::collections::BTreeMap<String, Vec<f64>> = [(col.to_string(), values)].into_iter().collect();
        if f.contains("s(a, b") {
            knots.insert("b".into(), vec![0.0, 0.5, 1.0, 0.7]);
        }
        let opts = crate::design::SmoothOptions {
            select: false,
            knots: Some(&knots),
            ..Default::default()
        };
        let e = crate::design::Design::build_with(&Formula::parse(f).unwrap(), &data, &opts)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("term s(a"), "{f}: {e}");
        assert!(e.contains(part), "{f}: {e}");
    }
}

/// The size check reads an MRF's neighbourhood file and the build takes its
/// parse from the plan: with the file gone after the check, the term still
/// builds (nothing reads it again); without the plan's copy, it does not.
#[test]
fn the_neighbourhood_file_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nb.json");
    let nb = r#"{"format": "gam-neighbours/1", "neighbours": {"g0": ["g1"], "g1": ["g0", "g2"], "g2": ["g1", "g3"], "g3": ["g2"]}}"#;
    std::fs::write(&path, nb).unwrap();
    let data = frame(40, 4);
    let formula = Formula::parse(&format!("y ~ s(g, bs = \"mrf\", xt = \"{}\")", path.display())).unwrap();
    let plan = plan_with_memory(&formula, &data, &Default::default(), || 16.0 * GIB).unwrap();
    assert_eq!(plan.n_coef, 4);
    assert_eq!(plan.neighbourhoods.len(), 1);
    std::fs::remove_file(&path).unwrap();
    let opts = crate::design::SmoothOptions {
        neighbourhoods: Some(&plan.neighbourhoods),
        ..Default::default()
    };
    let design = crate::design::Design::build_with(&formula, &data, &opts).unwrap();
    assert_eq!(design.n_coef(), 4);
    let e = crate::design::Design::build_with(&formula, &data, &Default::default()).unwrap_err();
    assert!(e.to_string().contains("nb.json"), "{e}");
}
