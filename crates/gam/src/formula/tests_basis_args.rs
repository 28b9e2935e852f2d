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
    assert_eq!(smooth("s(x, m = c(2, 0))").m, [Some(2), Some(0)]);
    assert!(error("s(x, z, bs = \"cs\")").contains("bs = \"cs\" smooths one covariate"));
}

#[test]
fn xt_parses_max_knots_and_seed() {
    let s = smooth("s(x, xt = list(max.knots = 500, seed = -3))");
    assert_eq!(
        s.xt,
        SmoothXt {
            max_knots: Some(500),
            seed: Some(-3)
        }
    );
    assert_eq!(smooth("s(x, bs = \"ts\", xt = list(seed = 2))").xt.seed, Some(2));
    assert!(smooth("s(x)").xt.is_default());
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
        ("s(x, xt = 3)", "xt = list(max.knots = ..., seed = ...)"),
        (
            "s(x, xt = list(max.knots = -1))",
            "max.knots must be a whole number from 0",
        ),
        ("s(x, xt = list(seed = 3000000000))", "a 32-bit integer"),
        ("s(x, xt = list(seed = 1, seed = 2))", "given twice"),
        (
            "s(x, bs = \"cr\", xt = list(seed = 1))",
            "applies to a thin plate smooth",
        ),
        ("te(x, z, xt = list(seed = 1))", "applies to a thin plate smooth"),
    ] {
        // The message is the first line; the display adds the formula and a caret.
        let e = error(rhs);
        let message = e.lines().next().unwrap_or_default();
        assert!(message.contains(part), "{rhs}: {e}");
    }
}
