use super::*;
use crate::GamError;

fn error(text: &str) -> (usize, String) {
    match Formula::parse(text) {
        Err(GamError::Formula {
            formula,
            position,
            message,
        }) => {
            assert_eq!(formula, text);
            (position, message)
        }
        other => panic!("{text}: expected a formula error, got {other:?}"),
    }
}

/// Checks the position and the exact message.
fn check(text: &str, position: usize, message: &str) {
    assert_eq!(error(text), (position, message.to_string()), "{text}");
}

/// Checks the position and part of the message.
fn check_contains(text: &str, position: usize, part: &str) {
    let (pos, message) = error(text);
    assert_eq!(pos, position, "{text}: {message}");
    assert!(message.contains(part), "{text}: {message}");
}

#[test]
fn structure_errors() {
    check("", 0, "empty formula: expected 'response ~ terms'");
    check("   ", 0, "empty formula: expected 'response ~ terms'");
    check("~ x", 0, "missing response before '~'");
    check("y", 1, "missing '~' after the response");
    check("y x", 2, "expected '~' after the response, found 'x'");
    check("y ~", 3, "expected a term after '~', found the end of the formula");
    check("y ~ x +", 7, "expected a term after '+', found the end of the formula");
    check("y ~ x + ", 7, "expected a term after '+', found the end of the formula");
    check("y ~ x + + z", 8, "expected a term after '+', found '+'");
    check("y ~ x -", 7, "expected a term after '-', found the end of the formula");
    check("y ~ x z", 6, "expected '+' or the end of the formula, found 'z'");
    check("y ~ x ~ z", 6, "a formula has only one '~'");
    check("y ~ x)", 5, "unmatched ')'");
    check("y ~ 0", 4, "the model has no terms and no intercept");
    check("y ~ offset(o) - 1", 4, "the model has no terms and no intercept");
    check(
        "y ~ x + 2",
        8,
        "expected a term, found number 2 (only 0 and 1, for the intercept, stand alone)",
    );
    // Removing terms with '-' is supported now (issue 13): `y ~ x - z` is `y ~ x`.
    check(
        "y ~ x:2",
        6,
        "expected a term, found number 2 (only 0 and 1, for the intercept, stand alone)",
    );
    check("y ~ x + x", 8, "term 'x' appears twice");
    check("y ~ s(x) + s(x, k = 5)", 11, "term 's(x)' appears twice");
}

#[test]
fn unsupported_syntax_errors() {
    // Interactions, log(), factor(), log(y) and (x) are supported now (issue 13);
    // what is still refused says so at the right place.
    check_contains("y ~ s(x) * z", 4, "a smooth or offset cannot be part of an interaction");
    check_contains("y ~ x %in% z", 6, "operator '%' is not supported");
    check_contains("y ~ x^z", 6, "'^' in a formula takes a whole number");
    check_contains(
        "y ~ lg(x)",
        4,
        "unsupported function 'lg()' (supported: s, te, ti, t2, offset, log, log10",
    );
    check_contains("y ~ pmin(x)", 4, "pmin() takes 2 arguments");
    check_contains("y ~ log(x, base = 2)", 11, "log() takes no named arguments here");
    check_contains("y ~ .", 4, "'.' (all other columns) is not supported");
    check_contains("lg(y) ~ x", 0, "unsupported function 'lg()'");
    check_contains("log(2) ~ x", 0, "reads no column");
    check(
        "y ~ (x",
        6,
        "expected ')' to close '(' opened at column 5, found the end of the formula",
    );
    check("y ~ \"x\"", 4, "expected a term, found string \"x\"");
    check("1 ~ x", 0, "expected the response column, found number 1");
}

#[test]
fn cbind_errors() {
    check("cbind(a) ~ x", 7, "cbind() needs two columns: successes, failures");
    check("cbind(a, b, c) ~ x", 10, "cbind() takes exactly two columns");
    check_contains(
        "cbind(a, n - a) ~ x",
        11,
        "compute the failures (e.g. n - successes) as a column",
    );
    check(
        "cbind(a, b ~ x",
        11,
        "expected ')' to close cbind( opened at column 1, found '~'",
    );
    check(
        "cbind(, b) ~ x",
        6,
        "expected the column of successes in cbind(), found ','",
    );
}

#[test]
fn offset_errors() {
    check("y ~ offset()", 11, "offset() needs a column");
    check("y ~ offset(a, b)", 12, "offset() takes exactly one column");
    // offset(log(n)) is an expression now (issue 13); an unknown function is refused.
    check_contains("y ~ offset(lg(n))", 11, "unsupported function 'lg()'");
    check(
        "y ~ offset(a",
        12,
        "expected ')' to close offset( opened at column 5, found the end of the formula",
    );
}

#[test]
fn smooth_syntax_errors() {
    check(
        "y ~ x + s(x, k = 5",
        18,
        "expected ')' to close s( opened at column 9, found the end of the formula",
    );
    check(
        "y ~ s(x",
        7,
        "expected ')' to close s( opened at column 5, found the end of the formula",
    );
    check(
        "y ~ s(x k = 5)",
        8,
        "expected ',' or ')' to close s( opened at column 5, found 'k'",
    );
    check("y ~ s()", 6, "s() needs at least one covariate");
    check(
        "y ~ s(k = 5)",
        4,
        "s() needs at least one covariate before its named arguments",
    );
    check("y ~ s(x,)", 8, "expected an argument after ',', found ')'");
    check(
        "y ~ s(x, , k = 5)",
        9,
        "expected a covariate or a named argument, found ','",
    );
    check("y ~ s(x, k = 5, z)", 16, "covariates must come before named arguments");
    check("y ~ s(x, x)", 9, "covariate 'x' appears twice in s()");
    check(
        "y ~ s(x, 10)",
        9,
        "expected a covariate column name, found number 10 (did you mean k = 10?)",
    );
    // s(log(x)) is supported now (issue 13); an unknown function is not.
    check_contains("y ~ s(lg(x))", 6, "unsupported function 'lg()'");
}

#[test]
fn smooth_argument_errors() {
    check(
        "y ~ s(x, kk = 5)",
        9,
        "unknown smooth argument 'kk' (expected k, bs, m, by, fx, xt, sp, id)",
    );
    check("y ~ s(x, pc = 1)", 9, "smooth argument 'pc' is not supported");
    check(
        "y ~ s(x, d = 1)",
        9,
        "argument 'd' applies to te(), ti() and t2(), not s()",
    );
    check("y ~ te(x, z, mc = TRUE)", 13, "argument 'mc' applies to ti(), not te()");
    check(
        "y ~ te(x, z, full = TRUE)",
        13,
        "argument 'full' applies to t2(), not te()",
    );
    check(
        "y ~ t2(x, z, fx = TRUE)",
        13,
        "argument 'fx' applies to s(), te() and ti(), not t2()",
    );
    check(
        "y ~ te(x, z, w, d = c(2, 2))",
        16,
        "d covers 4 covariates but te() has 3; d gives the number of covariates of each margin",
    );
    check(
        "y ~ te(x, z, w, d = c(2, 1), k = c(4, 4, 4))",
        29,
        "k has 3 values but te() has 2 margins",
    );
    check(
        "y ~ s(x, m = 1.5, id = NA)",
        23,
        "expected a number or a quoted name for id, found 'NA'",
    );
    // Issue 13 implements `sp =`: only values that are not numbers are refused now.
    check(
        "y ~ s(x, sp = \"a\")",
        14,
        "expected a number for sp (negative: estimate it), found string \"a\"",
    );
    check("y ~ s(x, sp = 1, sp = 2)", 17, "argument 'sp' given twice");
    check("y ~ s(x, k = 5, k = 6)", 16, "argument 'k' given twice");
    check("y ~ s(x, k = 5.5)", 13, "k must be a whole number, found 5.5");
    check(
        "y ~ s(x, k = \"5\")",
        13,
        "expected a whole number for k, found string \"5\"",
    );
    check("y ~ s(x, k = c())", 15, "empty c(): expected at least one value");
    check(
        "y ~ s(x, k = c(5 6))",
        17,
        "expected ',' or ')' to close c( opened at column 14, found number 6",
    );
    check(
        "y ~ s(x, k = c(5, 4))",
        9,
        "s() takes a single k; use te() for one k per margin",
    );
    check(
        "y ~ s(x, bs = \"sos\")",
        14,
        "unsupported basis \"sos\" (supported: \"tp\", \"cr\", \"ps\", \"cc\", \"re\", \"ts\", \"cs\", \"fs\", \
         \"sz\", \"ad\", \"gp\", \"ds\", \"bs\", \"cp\", \"mrf\")",
    );
    check("y ~ s(x, bs = cr)", 14, "the basis name needs quotes: bs = \"cr\"");
    check_contains("y ~ s(x, bs = 3)", 14, "expected a quoted basis name");
    check_contains(
        "y ~ s(x, z, bs = \"cr\")",
        12,
        "bs = \"cr\" smooths one covariate; s() of 2 covariates needs",
    );
    check("y ~ s(x, fx = 1)", 14, "expected TRUE or FALSE for fx, found number 1");
    check("y ~ s(x, by = 1)", 14, "expected a column name for by, found number 1");
}

#[test]
fn tensor_argument_count_errors() {
    check(
        "y ~ te(x, z, k = c(5, 5, 5))",
        13,
        "k has 3 values but te() has 2 margins",
    );
    check(
        "y ~ ti(x, z, bs = c(\"cr\", \"tp\", \"ps\"))",
        13,
        "bs has 3 values but ti() has 2 margins",
    );
    check(
        "y ~ te(x, z, w, m = c(1, 2))",
        16,
        "m has 2 values but te() has 3 margins",
    );
    check("y ~ te(x, k = c(5, 5))", 10, "k has 2 values but te() has 1 margin");
}

#[test]
fn lexical_errors_reach_the_caller() {
    check("y ~ s(x, bs = \"cr)", 14, "unterminated string (missing closing \")");
    check("y ~ $", 4, "unexpected character '$'");
    check("y ~ `x", 4, "unterminated backquoted name (missing closing '`')");
}

#[test]
fn positions_count_characters() {
    // 'é' is two bytes but one character.
    check(
        "\u{e9} ~ x +",
        7,
        "expected a term after '+', found the end of the formula",
    );
}

#[test]
fn display_puts_a_caret_under_the_position() {
    let e = Formula::parse("y ~ s(x, kk = 5)").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown smooth argument 'kk' (expected k, bs, m, by, fx, xt, sp, id)\n  y ~ s(x, kk = 5)\n           ^"
    );
}

#[test]
fn never_panics_on_arbitrary_text() {
    let pieces = [
        "y", "~", "+", "-", "s(", "te(", "ti(", "cbind(", "offset(", ")", ",", "k", "=", "c(", "5", "0", "1", "\"cr\"",
        "bs", "by", "m", "fx", "TRUE", "NA", "x", "`", "\"", " ", "*", "é", ".", "1e", "-1",
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..5000 {
        let mut text = String::new();
        let n = (state % 12) as usize;
        for _ in 0..n {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            text.push_str(pieces[(state % pieces.len() as u64) as usize]);
        }
        state = state.wrapping_add(1);
        if let Err(e) = Formula::parse(&text) {
            match e {
                GamError::Formula { position, .. } => assert!(position <= text.chars().count(), "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}

#[test]
fn a_long_formula_is_shown_around_the_error() {
    // 10^5 terms with a duplicate at the end: the duplicate check is linear
    // (it was quadratic: 158 s), and the caret line is an excerpt (a caret at
    // column 10^6 once overflowed the formatter's width and panicked).
    let mut text = String::from("y ~ ");
    text.push_str(&(0..100_000).map(|i| format!("x{i}")).collect::<Vec<_>>().join(" + "));
    text.push_str(" + x5");
    let e = Formula::parse(&text).unwrap_err();
    let shown = e.to_string();
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines[0], "term 'x5' appears twice");
    assert!(lines[1].starts_with("  …") && lines[1].ends_with("+ x5"), "{shown}");
    assert!(lines[1].chars().count() < 130, "{shown}");
    // The caret is under the duplicate's first character.
    let caret = lines[2].chars().count() - 1;
    assert_eq!(lines[2].trim(), "^");
    assert_eq!(lines[1].chars().nth(caret), Some('x'), "{shown}");
    assert_eq!(lines[1].chars().skip(caret).collect::<String>(), "x5");
    // Short formulas are shown whole, as before.
    let e = Formula::parse("y ~ x + x").unwrap_err();
    assert_eq!(e.to_string(), "term 'x' appears twice\n  y ~ x + x\n          ^");
}
