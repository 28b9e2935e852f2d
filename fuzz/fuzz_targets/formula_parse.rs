//! Any text → `Formula::parse`: never a panic, and when it parses, whatever
//! needs no data (columns, labels, spans, the canonical string) is
//! consistent. Errors must point inside the formula (or just past its end).
#![no_main]

use gam::GamError;
use gam::expert::formula::Formula;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Invalid UTF-8 cannot reach the parser (it takes &str); lossy decoding
    // still lets byte-level mutations produce every code point.
    let text = String::from_utf8_lossy(data);
    check(&text);
});

fn check(text: &str) {
    let chars = text.chars().count();
    let formula = match Formula::parse(text) {
        Ok(f) => f,
        Err(e) => {
            // Shown as the message, the formula and a caret under the position.
            let shown = e.to_string();
            let GamError::Formula { position, message, .. } = e else {
                panic!("a parse error that is not a formula error: {shown}");
            };
            assert!(
                position <= chars,
                "error position {position} past the end ({chars} chars)"
            );
            assert!(!message.is_empty() && shown.contains(&message));
            return;
        }
    };
    assert!(formula.response_span.end <= chars);
    let used = formula.columns_used();
    assert!(!used.is_empty(), "a parsed formula has a response column");
    for term in &formula.terms {
        let span = term.span();
        assert!(
            span.start < span.end && span.end <= chars,
            "span {span:?} of {} chars",
            chars
        );
        assert!(!term.label().is_empty());
    }
    for s in formula.smooths() {
        assert!(!s.vars.is_empty());
        if s.kind != gam::expert::formula::SmoothKind::S {
            assert_eq!(s.k.len(), s.vars.len());
            assert_eq!(s.bs.len(), s.vars.len());
            assert_eq!(s.m.len(), s.vars.len());
        }
        for v in &s.vars {
            // A covariate is a data column, or an expression (`log(x)`) computed from data columns.
            match formula.derived.iter().find(|d| &d.name == v) {
                Some(d) => {
                    let mut read = Vec::new();
                    d.expr.vars(&mut read);
                    for c in &read {
                        assert!(used.contains(c), "column {c} of covariate {v} missing from columns_used");
                    }
                }
                None => assert!(used.contains(v), "covariate {v} missing from columns_used"),
            }
        }
    }
    let _ = formula.column_terms().count() + formula.offsets().count();
    // The canonical string is a cache key: the same meaning, read again,
    // gives the same key whenever it reads back at all. (It escapes `\` in
    // names, which backquoted names do not unescape: such names are left out.)
    // Interactions are left out too: the canonical string lists terms sorted, and R's rule
    // orders an interaction's variables by their first appearance in the formula, so reading
    // the sorted text back can reorder them (`z*g` gives `z:g`; sorted, `g + g:z + z` reads
    // back as `g:z`). The key of a fit is always computed from the user's own text.
    let canonical = formula.canonical();
    let interactions = formula
        .terms
        .iter()
        .any(|t| matches!(t, gam::expert::formula::Term::Interaction(_)));
    if !used.iter().any(|n| n.contains('\\'))
        && !interactions
        && let Ok(again) = Formula::parse(&canonical)
    {
        assert_eq!(again.canonical(), canonical, "canonical form is not stable");
    }
}
