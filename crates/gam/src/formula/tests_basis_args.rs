//! Issue 13's smooth arguments: the shrinkage bases `"ts"`/`"cs"`, `m = c(m, 0)` and
//! `xt = list(max.knots, seed)`.

use super::*;

fn smooth(rhs: &str) -> SmoothSpec {
    let f = Formula::parse(&format!("y ~ {rhs}")).unwrap_or_else(|e| panic!("{rhs}: {e}"));
    f.smooths().next().cloned().unwrap()
}

fn error(rhs: &str) -> String {
    match Formula::parse(&format!("y ~ {rhs}")) {
        Err(e) => e.to_string(),
        Ok(f) => panic!("{rhs}: expected an error, parsed {f:?}"),
    }
}

#[test]
fn shrinkage_bases_and_m_vectors_parse() {
    assert_eq!(smooth("s(x, bs = \"ts\")").bs, [BasisType::Ts]);
    assert_eq!(smooth("s(x, bs = \"cs\")").bs, [BasisType::Cs]);
    assert_eq!(
        smooth("te(x, z, bs = c(\"cs\", \"ts\"))").bs,
        [BasisType::Cs, BasisType::Ts]
    );
    assert_eq!(smooth("s(x, m = c(2, 0))").m_ints(), [Some(2), Some(0)]);
    assert!(error("s(x, z, bs = \"cs\")").contains("bs = \"cs\" smooths one covariate"));
}

#[test]
fn xt_parses_max_knots_and_seed() {
    let s = smooth("s(x, xt = list(max.knots = 500, seed = -3))");
    assert_eq!(
        s.xt,
        SmoothXt {
            max_knots: Some(500),
            seed: Some(-3),
            ..SmoothXt::default()
        }
    );
    assert_eq!(smooth("s(x, bs = \"ts\", xt = list(seed = 2))").xt.seed, Some(2));
    assert!(smooth("s(x)").xt.is_default());
    // fs and sz pass max.knots and seed to their base (tp by default, or tp, ts, gp, ds).
    let fs = smooth("s(x, g, bs = \"fs\", xt = list(bs = \"tp\", max.knots = 30, seed = 2))");
    assert_eq!(
        (fs.xt.max_knots, fs.xt.seed, fs.xt.bs.as_deref()),
        (Some(30), Some(2), Some("tp"))
    );
    assert_eq!(
        smooth("s(x, g, bs = \"sz\", xt = list(max.knots = 30))").xt.max_knots,
        Some(30)
    );
    // The canonical form (the cache key) changes with xt and not without it.
    let plain = Formula::parse("y ~ s(x)").unwrap().canonical();
    let with = Formula::parse("y ~ s(x, xt = list(seed = 2))").unwrap().canonical();
    assert_ne!(plain, with);
    assert!(!plain.contains("xt"));
}

#[test]
fn bad_xt_is_refused_in_one_line() {
    for (rhs, part) in [
        ("s(x, xt = list(foo = 1))", "xt entry 'foo' is not supported"),
        (
            "s(x, xt = 3)",
            "xt = \"...\" or xt = list(max.knots = ..., seed = ..., bs = \"...\")",
        ),
        ("s(x, xt = \"cr\")", "names a margin basis"),
        (
            "s(x, g, bs = \"fs\", xt = \"zz\")",
            "xt names basis \"zz\", which is not a basis code",
        ),
        (
            "s(x, xt = list(bs = \"cr\"))",
            "applies to s(..., bs = \"fs\", \"sz\" or \"ad\")",
        ),
        (
            "s(x, xt = list(max.knots = -1))",
            "max.knots must be a whole number from 0",
        ),
        ("s(x, xt = list(seed = 3000000000))", "a 32-bit integer"),
        ("s(x, xt = list(seed = 1, seed = 2))", "given twice"),
        (
            "s(x, bs = \"cr\", xt = list(seed = 1))",
            "applies to s(..., bs = \"tp\", \"ts\", \"gp\" or \"ds\")",
        ),
        ("te(x, z, xt = list(seed = 1))", "te() takes xt only for mrf margins"),
        (
            "s(x, g, bs = \"sz\", xt = list(bs = \"cr\", seed = 1))",
            "the base of this sz is \"cr\"",
        ),
        ("te(x, z, xt = \"nb.json\")", "no margin has bs = \"mrf\""),
        (
            "te(a, z, bs = c(\"mrf\", \"cr\"), xt = list(\"nb.json\"))",
            "xt has 1 entries but te() has 2 margins",
        ),
        (
            "te(a, z, bs = c(\"mrf\", \"cr\"), xt = list(NULL, \"nb.json\"))",
            "margin 2 (bs = \"cr\"), which takes none",
        ),
        (
            "te(a, z, bs = c(\"mrf\", \"cr\"), xt = list(\"\", NULL))",
            "names its neighbourhood file",
        ),
        (
            "te(a, z, bs = c(\"mrf\", \"cr\"), xt = list(list(\"a\", NULL), NULL))",
            "cannot itself give one xt per margin",
        ),
        (
            "te(a, z, bs = c(\"mrf\", \"cr\"), xt = list(1, NULL))",
            "the xt of one margin",
        ),
        (
            "s(a, bs = \"mrf\", xt = list(\"nb.json\", NULL))",
            "s() takes a single xt",
        ),
    ] {
        // The message is the first line; the display adds the formula and a caret.
        let e = error(rhs);
        let message = e.lines().next().unwrap_or_default();
        assert!(message.contains(part), "{rhs}: {e}");
    }
}

#[test]
fn a_tensor_product_takes_its_mrf_margins_file_per_margin() {
    // mgcv's te() gives margin i xt[[i]]; a single xt goes to every margin
    // (the mrf margins read it): both spellings are the same term.
    let per = smooth("te(a, z, bs = c(\"mrf\", \"cr\"), xt = list(\"nb.json\", NULL))");
    let shared = smooth("te(a, z, bs = c(\"mrf\", \"cr\"), xt = \"nb.json\")");
    assert_eq!(per.xt, shared.xt);
    assert_eq!(per.margin_xt(0).text.as_deref(), Some("nb.json"));
    assert!(per.margin_xt(1).is_default());
    assert!(per.xt.text.is_none());
    let c = |f: &str| Formula::parse(f).unwrap().canonical();
    assert_eq!(
        c("y ~ te(a, z, bs = c(\"mrf\", \"cr\"), xt = \"nb.json\")"),
        c("y ~ te(a, z, bs = c(\"mrf\", \"cr\"), xt = list(\"nb.json\", NULL))")
    );
    assert_ne!(
        c("y ~ te(a, z, bs = c(\"mrf\", \"cr\"), xt = \"nb.json\")"),
        c("y ~ te(a, z, bs = c(\"mrf\", \"cr\"), xt = \"other.json\")")
    );
    // All NULL is no xt at all.
    assert!(smooth("te(x, z, xt = list(NULL, NULL))").xt.is_default());
    // ti() and t2() parse it alike; the margin order follows bs.
    let ti = smooth("ti(z, a, bs = c(\"cr\", \"mrf\"), xt = list(NULL, \"nb.json\"))");
    assert_eq!(ti.margin_xt(1).text.as_deref(), Some("nb.json"));
}

#[test]
fn issue_16_arguments_parse_with_mgcvs_defaults() {
    // Real-valued m (a Gaussian process's range, a Duchon spline's s).
    let gp = smooth("s(x, z, bs = \"gp\", m = c(3, 0.5))");
    assert_eq!(gp.bs, [BasisType::Gp]);
    assert_eq!(gp.m, [Some(Real(3.0)), Some(Real(0.5))]);
    assert_eq!(gp.m_ints(), [Some(3), None]);
    // id: numbers and strings are R's as.character of them.
    assert_eq!(smooth("s(x, id = 1)").id.as_deref(), Some("1"));
    assert_eq!(smooth("s(x, id = \"a\")").id.as_deref(), Some("a"));
    assert_eq!(smooth("s(x, id = 2.5)").id.as_deref(), Some("2.5"));
    // d groups covariates into margins; k, bs and m are then per margin,
    // k defaulting to 5^d and a one-dimensional basis on a wider margin
    // turning into tp, as mgcv's te() does.
    let te = smooth("te(x, z, w, d = c(2, 1))");
    assert_eq!(te.margin_dims(), [2, 1]);
    assert_eq!(te.k, [25, 5]);
    assert_eq!(te.bs, [BasisType::Tp, BasisType::Cr]);
    assert_eq!(smooth("te(x, z, w, d = c(1, 1, 1))").d, Vec::<usize>::new());
    assert_eq!(smooth("te(x, z)").margin_dims(), [1, 1]);
    let ti = smooth("ti(x, z, mc = c(TRUE, FALSE))");
    assert_eq!(ti.mc, [true, false]);
    assert_eq!(smooth("ti(x, z, mc = F)").mc, [false, false]);
    let t2 = smooth("t2(x, z, full = TRUE, ord = c(1, 2))");
    assert_eq!(t2.kind, SmoothKind::T2);
    assert_eq!(t2.label(), "t2(x,z)");
    assert!(t2.full);
    assert_eq!(t2.ord, [1, 2]);
    // xt: a basis code, a file name, or list(bs = ).
    assert_eq!(smooth("s(x, g, bs = \"fs\", xt = \"cr\")").xt.bs.as_deref(), Some("cr"));
    assert_eq!(
        smooth("s(x, g, bs = \"fs\", xt = list(bs = \"ps\"))").xt.bs.as_deref(),
        Some("ps")
    );
    assert_eq!(
        smooth("s(a, bs = \"mrf\", xt = \"nb.json\")").xt.text.as_deref(),
        Some("nb.json")
    );
    for code in ["fs", "sz", "ad", "gp", "ds", "bs", "cp", "mrf"] {
        assert_eq!(smooth(&format!("s(g, bs = \"{code}\")")).bs[0].as_str(), code);
    }
}

#[test]
fn issue_16_arguments_enter_the_canonical_form_only_when_given() {
    let key = |f: &str| Formula::parse(f).unwrap().canonical();
    let plain = key("y ~ s(x) + te(x, z)");
    for changed in [
        "y ~ s(x, id = 1) + te(x, z)",
        "y ~ s(x) + te(x, z, d = 2)",
        "y ~ s(x) + t2(x, z)",
        "y ~ s(x, m = 2.5) + te(x, z)",
    ] {
        assert_ne!(key(changed), plain, "{changed}");
    }
    // Integers print as before, so that keys of earlier fits do not change.
    assert!(key("y ~ s(x, m = 2)").contains("m=c(2)"), "{}", key("y ~ s(x, m = 2)"));
    assert_eq!(key("y ~ te(x, z, d = c(1, 1))"), key("y ~ te(x, z)"));
    assert_eq!(key("y ~ s(x, id = 1)"), key("y ~ s(x, id = \"1\")"));
    assert_eq!(
        key("y ~ s(x, g, bs = \"fs\", xt = \"cr\")"),
        key("y ~ s(x, g, bs = \"fs\", xt = list(bs = \"cr\"))"),
    );
    assert_ne!(
        key("y ~ s(x, g, bs = \"fs\", xt = \"cr\")"),
        key("y ~ s(x, g, bs = \"fs\")")
    );
}

#[test]
fn adaptive_surface_takes_a_k_per_covariate() {
    assert_eq!(smooth("s(x, z, bs = \"ad\", k = c(10, 12))").k, [10, 12]);
    assert_eq!(smooth("s(x, z, bs = \"ad\", k = c(10, NA))").k, [10, -1]);
    assert_eq!(smooth("s(x, z, bs = \"ad\")").k, [-1]);
    // The cache key tells the two ks apart.
    let a = Formula::parse("y ~ s(x, z, bs = \"ad\", k = c(10, 12))")
        .unwrap()
        .canonical();
    let b = Formula::parse("y ~ s(x, z, bs = \"ad\", k = c(12, 10))")
        .unwrap()
        .canonical();
    assert_ne!(a, b);
    // Elsewhere s() still takes a single k.
    assert!(error("s(x, z, k = c(10, 12))").contains("s() takes a single k"));
    assert!(error("s(x, bs = \"ad\", k = c(10, 12))").contains("s() takes a single k"));
}
