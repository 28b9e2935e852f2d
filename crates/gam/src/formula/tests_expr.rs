//! Expressions and R's formula operators (issue 13).

use super::*;
use crate::GamError;
use crate::data::{Column, DataFrame};

fn parse(text: &str) -> Formula {
    Formula::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn labels(text: &str) -> Vec<String> {
    parse(text).terms.iter().map(Term::label).collect()
}

#[test]
fn expressions_are_named_as_r_deparses_them() {
    let f = parse("log(y) ~ s(log(x)) + I(x^2) + log(x+1) + te(sqrt(a),b) + offset(log(expo)) + pmin(z,3)");
    assert_eq!(f.response, Response::Column("log(y)".into()));
    assert_eq!(
        labels(&f.text),
        [
            "s(log(x))",
            "I(x^2)",
            "log(x + 1)",
            "te(sqrt(a),b)",
            "offset(log(expo))",
            "pmin(z, 3)"
        ]
    );
    let names: Vec<&str> = f.derived.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "log(y)",
            "log(x)",
            "I(x^2)",
            "log(x + 1)",
            "sqrt(a)",
            "log(expo)",
            "pmin(z, 3)"
        ]
    );
    assert!(f.derived[0].response_only && !f.derived[1].response_only);
    assert_eq!(f.columns_used(), ["y", "x", "a", "b", "expo", "z"]);
    assert_eq!(f.predictor_columns(), ["x", "a", "b", "expo", "z"]);
    for (text, name) in [
        ("I(y/n) ~ x", "I(y/n)"),
        ("I(2*y) ~ x", "I(2 * y)"),
        ("exp(-y/2) ~ x", "exp(-y/2)"),
        ("I(y^-1) ~ x", "I(y^-1)"),
        ("I((y+1)^2) ~ x", "I((y + 1)^2)"),
        ("log(y+1e5) ~ x", "log(y + 1e+05)"),
        ("I(y*0.0001) ~ x", "I(y * 1e-04)"),
        ("I(-2^y) ~ x", "I(-2^y)"),
        ("I(y - -1) ~ x", "I(y - -1)"),
        ("log(`a b`) ~ x", "log(`a b`)"),
    ] {
        assert_eq!(parse(text).response, Response::Column(name.into()), "{text}");
    }
}

#[test]
fn operators_expand_as_r_terms_does() {
    assert_eq!(labels("y ~ a*b"), ["a", "b", "a:b"]);
    assert_eq!(labels("y ~ b:a + a"), ["a", "b:a"]);
    assert_eq!(labels("y ~ a + b:a"), ["a", "a:b"]);
    assert_eq!(labels("y ~ (a+b+c)^2 - a:b"), ["a", "b", "c", "a:c", "b:c"]);
    assert_eq!(labels("y ~ a/b"), ["a", "a:b"]);
    assert_eq!(labels("y ~ (a+b)/c"), ["a", "b", "a:b:c"]);
    assert_eq!(labels("y ~ a:b:c + a*b"), ["a", "b", "a:b", "a:b:c"]);
    assert_eq!(labels("y ~ x - z"), ["x"]);
    assert_eq!(labels("y ~ s(x) + f*z"), ["s(x)", "f", "z", "f:z"]);
    assert_eq!(labels("y ~ factor(g):x + x"), ["x", "factor(g):x"]);
    let f = parse("y ~ a*b - 1");
    assert!(!f.intercept);
    assert_eq!(labels("y ~ (x)"), ["x"]);
}

#[test]
fn canonical_form_tells_expressions_from_columns() {
    let a = parse("y ~ log(x)").canonical();
    let b = parse("y ~ x").canonical();
    let c = parse("y ~ `log(x)`").canonical();
    assert_ne!(a, b);
    assert_ne!(a, c);
    assert_eq!(a, parse("y ~ log( x )").canonical());
    assert_ne!(parse("y ~ a*b").canonical(), parse("y ~ a + b").canonical());
    assert_ne!(parse("y ~ factor(g)").canonical(), parse("y ~ ordered(g)").canonical());
}

fn frame(cols: Vec<(&str, Column)>) -> DataFrame {
    DataFrame::new(cols.into_iter().map(|(n, c)| (n.to_string(), c)).collect()).unwrap()
}

#[test]
fn expressions_evaluate_as_r_does() {
    let data = frame(vec![
        ("x", Column::Numeric(vec![1.0, 4.0, 9.0])),
        ("n", Column::Numeric(vec![2.0, 2.0, 3.0])),
    ]);
    let f = parse(
        "I(x/n) ~ sqrt(x) + log10(x) + pmax(x, 5) + abs(-x) + log1p(x) + exp(x) + factor(n) + as.numeric(factor(x))",
    );
    let d = f.derive(data.clone()).unwrap();
    let num = |name: &str| d.column(name).unwrap().as_numeric().unwrap().to_vec();
    assert_eq!(num("I(x/n)"), [0.5, 2.0, 3.0]);
    assert_eq!(num("sqrt(x)"), [1.0, 2.0, 3.0]);
    assert_eq!(num("pmax(x, 5)"), [5.0, 5.0, 9.0]);
    assert_eq!(num("abs(-x)"), [1.0, 4.0, 9.0]);
    assert_eq!(num("as.numeric(factor(x))"), [1.0, 2.0, 3.0]);
    assert!((num("log1p(x)")[0] - 2f64.ln()).abs() < 1e-15);
    assert!((num("log10(x)")[1] - 4f64.log10()).abs() < 1e-15);
    let g = d.column("factor(n)").unwrap().as_factor().unwrap();
    assert_eq!(g.levels, ["2", "3"]);
    assert!(!g.ordered);
    let o = parse("y ~ ordered(n)").derive(data.clone());
    // The response y is missing: the derived ordered(n) is still computed first.
    let o = o.unwrap();
    assert!(o.column("ordered(n)").unwrap().as_factor().unwrap().ordered);
}

#[test]
fn evaluation_errors_name_the_function_position_and_row() {
    let data = frame(vec![
        ("x", Column::Numeric(vec![1.0, -4.0, 9.0])),
        (
            "g",
            Column::Factor(crate::data::FactorColumn::from_values([
                Some("a"),
                Some("b"),
                Some("a"),
            ])),
        ),
    ]);
    let err = |text: &str| match parse(text).derive(data.clone()) {
        Err(GamError::Formula { position, message, .. }) => (position, message),
        other => panic!("{text}: {other:?}"),
    };
    let (pos, msg) = err("y ~ z + log(x)");
    assert_eq!(pos, 8);
    assert!(
        msg.contains("log() of -4 is NaN") && msg.contains("data row 2"),
        "{msg}"
    );
    let (pos, msg) = err("y ~ I(1/(x - 1))");
    assert_eq!(pos, 6);
    assert!(
        msg.contains("'/' of 1 and 0 is inf") && msg.contains("data row 1"),
        "{msg}"
    );
    let (pos, msg) = err("y ~ sqrt(g)");
    assert_eq!(pos, 4);
    assert!(
        msg.contains("sqrt() needs numbers, but its argument is a factor"),
        "{msg}"
    );
}
