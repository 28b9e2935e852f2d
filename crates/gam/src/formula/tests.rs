use super::*;

fn parse(text: &str) -> Formula {
    match Formula::parse(text) {
        Ok(f) => f,
        Err(e) => panic!("{text}: {e}"),
    }
}

/// The only smooth of `rhs`, parsed as `y ~ rhs`.
fn smooth(rhs: &str) -> SmoothSpec {
    let f = parse(&format!("y ~ {rhs}"));
    let mut smooths = f.smooths().cloned();
    smooths.next().unwrap()
}

fn col(name: &str, start: usize, end: usize) -> ColumnRef {
    ColumnRef {
        name: name.to_string(),
        span: Span::new(start, end),
    }
}

#[test]
fn response_and_column_terms() {
    let f = parse("y ~ x + Solar.R + `my col` + x_2");
    assert_eq!(f.response, Response::Column("y".into()));
    assert_eq!(f.response_span, Span::new(0, 1));
    assert!(f.intercept);
    assert_eq!(
        f.terms,
        vec![
            Term::Column(col("x", 4, 5)),
            Term::Column(col("Solar.R", 8, 15)),
            Term::Column(col("my col", 18, 26)),
            Term::Column(col("x_2", 29, 32)),
        ]
    );
    assert_eq!(f.text, "y ~ x + Solar.R + `my col` + x_2");
    assert_eq!(f.column_terms().count(), 4);
}

#[test]
fn binomial_response() {
    let f = parse("cbind(dead, alive) ~ dose");
    assert_eq!(
        f.response,
        Response::Binomial {
            successes: "dead".into(),
            failures: "alive".into()
        }
    );
    assert_eq!(f.response_span, Span::new(0, 18));
}

#[test]
fn intercept_forms() {
    for (text, intercept) in [
        ("y ~ x", true),
        ("y ~ x + 1", true),
        ("y ~ 1 + x", true),
        ("y ~ x - 1", false),
        ("y ~ -1 + x", false),
        ("y ~ x + 0", false),
        ("y ~ 0 + x", false),
        ("y ~ 0 + x - 0", true),
        ("y ~ 1", true),
        ("y ~ +x", true),
        ("y ~ x + 1L", true),
    ] {
        let f = parse(text);
        assert_eq!(f.intercept, intercept, "{text}");
        assert_eq!(f.terms.len(), usize::from(text.contains('x')), "{text}");
    }
}

#[test]
fn offset_term() {
    let f = parse("y ~ offset(log_n) + x");
    assert_eq!(f.terms[0], Term::Offset(col("log_n", 4, 17)));
    assert_eq!(f.terms[0].label(), "offset(log_n)");
    assert_eq!(f.offsets().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["log_n"]);
}

#[test]
fn smooth_defaults_follow_mgcv() {
    let s = smooth("s(x)");
    assert_eq!(
        s,
        SmoothSpec {
            kind: SmoothKind::S,
            vars: vec!["x".into()],
            k: vec![-1],
            bs: vec![BasisType::Tp],
            m: vec![None],
            by: None,
            fx: false,
            sp: Vec::new(),
            span: Span::new(4, 8),
            xt: Default::default(),
            id: None,
            d: Vec::new(),
            mc: Vec::new(),
            full: false,
            ord: Vec::new(),
        }
    );
    let t = smooth("te(Wind, Temp)");
    assert_eq!(t.kind, SmoothKind::Te);
    assert_eq!(t.vars, ["Wind", "Temp"]);
    assert_eq!(t.k, [5, 5]);
    assert_eq!(t.bs, [BasisType::Cr, BasisType::Cr]);
    assert_eq!(t.m, [None, None]);
    let t = smooth("ti(a, b, c)");
    assert_eq!(t.kind, SmoothKind::Ti);
    assert_eq!(t.k, [5, 5, 5]);
}

#[test]
fn smooth_arguments() {
    let s = smooth("s(x, k = 20, bs = \"cr\", m = 2, by = g, fx = TRUE)");
    assert_eq!(
        (s.k.clone(), s.bs.clone(), s.m_ints(), s.by.clone(), s.fx),
        (
            vec![20],
            vec![BasisType::Cr],
            vec![Some(2)],
            Some("g".to_string()),
            true
        )
    );
    let s = smooth("s(x, z, k=30)");
    assert_eq!(
        (s.vars, s.k, s.bs),
        (vec!["x".into(), "z".into()], vec![30], vec![BasisType::Tp])
    );
    let s = smooth("s(x, bs='ps', m=c(2, 1), fx=F, by=NA)");
    assert_eq!(
        (s.bs.clone(), s.m_ints(), s.by.clone(), s.fx),
        (vec![BasisType::Ps], vec![Some(2), Some(1)], None, false)
    );
    for code in ["tp", "cr", "ps", "cc", "re"] {
        assert_eq!(smooth(&format!("s(g, bs = \"{code}\")")).bs[0].as_str(), code);
    }
    assert_eq!(smooth("s(a, b, bs = \"re\")").bs, [BasisType::Re]);
    assert_eq!(smooth("s(`odd name`, by = `by col`)").vars, ["odd name"]);
}

#[test]
fn tensor_arguments_per_margin() {
    let t = smooth("te(x, z, k = c(5, 4), bs = c(\"cr\", \"tp\"), m = c(2, NA))");
    assert_eq!(t.k, [5, 4]);
    assert_eq!(t.bs, [BasisType::Cr, BasisType::Tp]);
    assert_eq!(t.m_ints(), [Some(2), None]);
    let t = smooth("te(x, z, w, k = 6, bs = \"ps\", m = 1)");
    assert_eq!(t.k, [6, 6, 6]);
    assert_eq!(t.bs, [BasisType::Ps; 3]);
    assert_eq!(t.m_ints(), [Some(1); 3]);
    let t = smooth("ti(x, z, k = c(NA, 7L))");
    assert_eq!(t.k, [5, 7]);
}

#[test]
fn labels_match_mgcv() {
    for (rhs, label) in [
        ("s(x)", "s(x)"),
        ("s(x, z, k = 40)", "s(x,z)"),
        ("te(Wind, Temp)", "te(Wind,Temp)"),
        ("ti(x,  z)", "ti(x,z)"),
        ("s(x, by = g)", "s(x):g"),
        ("te(x, z, by = w)", "te(x,z):w"),
    ] {
        assert_eq!(smooth(rhs).label(), label);
    }
    let f = parse("y ~ a + s(x) + offset(o)");
    let labels: Vec<String> = f.terms.iter().map(Term::label).collect();
    assert_eq!(labels, ["a", "s(x)", "offset(o)"]);
}

#[test]
fn spans_cover_whole_terms() {
    let text = "y ~ g + s(x, k = 5) + te(a,b)";
    let f = parse(text);
    let chars: Vec<char> = text.chars().collect();
    let spans: Vec<String> = f
        .terms
        .iter()
        .map(|t| chars[t.span().start..t.span().end].iter().collect())
        .collect();
    assert_eq!(spans, ["g", "s(x, k = 5)", "te(a,b)"]);
}

#[test]
fn columns_used_lists_every_column_once() {
    let f = parse("cbind(s1, f1) ~ x + s(x, z, by = g) + te(z, w) + offset(o) + g");
    assert_eq!(f.columns_used(), ["s1", "f1", "x", "z", "g", "w", "o"]);
}

#[test]
fn response_columns_are_the_columns_the_left_hand_side_reads() {
    assert_eq!(parse("cbind(s1, f1) ~ x + s(z)").response_columns(), ["s1", "f1"]);
    assert_eq!(parse("log(y + 1) ~ s(x)").response_columns(), ["y"]);
    assert_eq!(parse("y ~ s(y)").response_columns(), ["y"]);
}

#[test]
fn smooth_sp_is_parsed_and_keyed() {
    let s = smooth("s(x, sp = 0.1)");
    assert_eq!(s.sp, [Real(0.1)]);
    let t = smooth("te(a, b, sp = c(-1, 2e-3))");
    assert_eq!(t.sp, [Real(-1.0), Real(2e-3)]);
    assert_ne!(parse("y ~ s(x, sp = 0.1)").canonical(), parse("y ~ s(x)").canonical());
    assert_ne!(
        parse("y ~ s(x, sp = 0.1)").canonical(),
        parse("y ~ s(x, sp = 0.2)").canonical()
    );
    assert_eq!(
        parse("y ~ s(x, sp = 0.1)").canonical(),
        parse("y ~ s(x,sp=c(1e-1))").canonical()
    );
}

#[test]
fn whitespace_and_newlines_do_not_matter() {
    let a = parse("y~s(x,k=5)+z");
    let b = parse("  y \t~\n  s( x ,\n k = 5 ) +\n z ");
    assert_eq!(a.terms.len(), b.terms.len());
    assert_eq!(a.canonical(), b.canonical());
}

#[test]
fn canonical_equalities() {
    let same = [
        vec![
            "y ~ s(x)",
            "y ~ s(x, bs = \"tp\")",
            "y ~ s(x,k=-1)",
            "y~s(x, k = -1, bs = 'tp', m = NA, fx = FALSE)",
        ],
        vec!["y ~ x + s(z)", "y ~ s(z) + x", "y ~ 1 + s(z) + x", "y ~ s(z) + x + 1"],
        vec!["y ~ x - 1", "y ~ 0 + x", "y ~ x + 0", "y ~ -1 + x"],
        vec![
            "y ~ te(a, b)",
            "y ~ te(a, b, k = 5, bs = \"cr\")",
            "y ~ te(a,b,k=c(5,5),bs=c('cr','cr'),m=NA)",
        ],
        vec!["y ~ s(x, by = NA)", "y ~ s(x)"],
        vec!["cbind(a, b) ~ s(x) + offset(o)", "cbind(a,b) ~ offset(o) + s(x)"],
        vec!["y ~ `x` + s(`z`)", "y ~ x + s(z)"],
    ];
    for group in same {
        let first = parse(group[0]).canonical();
        for text in &group[1..] {
            assert_eq!(parse(text).canonical(), first, "{text} vs {}", group[0]);
        }
    }
    assert_eq!(
        parse("y ~ s(x) + g").canonical(),
        "`y`~1+`g`+s(`x`,k=c(-1),bs=c(\"tp\"),m=c(NA),by=NA,fx=FALSE)"
    );
}

#[test]
fn canonical_inequalities() {
    let different = [
        "y ~ s(x)",
        "y ~ s(x, k = 10)",
        "y ~ s(x, bs = \"cr\")",
        "y ~ s(x, by = g)",
        "y ~ s(z)",
        "y ~ s(x, z)",
        "y ~ s(z, x)",
        "z ~ s(x)",
        "y ~ s(x) - 1",
        "y ~ s(x, m = 1)",
        "y ~ s(x, fx = TRUE)",
        "y ~ te(x)",
        "y ~ ti(x)",
        "y ~ x",
        "y ~ offset(x)",
        "cbind(y, z) ~ s(x)",
        "cbind(z, y) ~ s(x)",
        "y ~ s(x) + z",
        "y ~ te(x, z, k = c(5, 4))",
        "y ~ te(x, z, k = c(4, 5))",
        "y ~ te(x, z, bs = c(\"cr\", \"tp\"))",
        "y ~ `a+b`",
        "y ~ a + b",
    ];
    let keys: Vec<String> = different.iter().map(|t| parse(t).canonical()).collect();
    for i in 0..keys.len() {
        for j in i + 1..keys.len() {
            assert_ne!(keys[i], keys[j], "{} vs {}", different[i], different[j]);
        }
    }
}

#[test]
fn error_at_builds_a_formula_error_for_later_stages() {
    let f = parse("y ~ s(g)");
    let e = f.error_at(
        f.terms[0].span().start,
        "s() of a factor: use bs = \"re\" or a factor term",
    );
    assert_eq!(
        e.to_string(),
        "s() of a factor: use bs = \"re\" or a factor term\n  y ~ s(g)\n      ^"
    );
}

#[test]
fn ast_serialises() {
    let f = parse("y ~ te(a, b, k = c(4, 6)) + g");
    let json = serde_json::to_string(&f).unwrap();
    let back: Formula = serde_json::from_str(&json).unwrap();
    assert_eq!(back, f);
}

#[test]
fn from_str_parses() {
    let f: Formula = "y ~ s(x)".parse().unwrap();
    assert_eq!(f, parse("y ~ s(x)"));
}
