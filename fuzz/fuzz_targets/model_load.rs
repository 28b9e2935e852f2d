//! Any bytes → `GamModel::from_json_bytes` (what `GamModel::load` runs on a
//! file's contents): never a panic. An error is one line naming the source.
//!
//! Byte-level mutations of JSON mostly break its syntax, so an input that
//! starts with `#` is read instead as edits of one of the seed models (the
//! real saved models of `corpus/model_load`): each edit walks from the root
//! to a node, a byte choosing the key or element at each level, and replaces
//! it (a number by an interesting or arbitrary value, a list shortened,
//! lengthened or emptied, a key removed, ...). That reaches the consistency
//! check with well-formed files that are wrong in every way one edit can make.
//! A model that loads must pass its check again, survive a save-and-load
//! round trip unchanged in size, answer everything the summary shows, and
//! predict on a small synthetic frame of its columns without a panic (an
//! error is fine: the frame may not suit it).
#![no_main]

use std::path::Path;

use gam::expert::data::{Column, DataFrame, FactorColumn};
use gam::expert::design::{By, ParamTerm};
use gam::expert::model::GamModel;
use gam::expert::predict::{PredictOptions, PredictType};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

/// Rows of the synthetic frame.
const ROWS: usize = 7;

/// The seed models the `#` inputs edit.
const SEEDS: &[&str] = &[
    include_str!("../corpus/model_load/tp.json"),
    include_str!("../corpus/model_load/tp2.json"),
    include_str!("../corpus/model_load/cr_factor.json"),
    include_str!("../corpus/model_load/cc.json"),
    include_str!("../corpus/model_load/ps.json"),
    include_str!("../corpus/model_load/re.json"),
    include_str!("../corpus/model_load/te.json"),
    include_str!("../corpus/model_load/ti.json"),
    include_str!("../corpus/model_load/by_factor.json"),
    include_str!("../corpus/model_load/poisson.json"),
    include_str!("../corpus/model_load/nb.json"),
    include_str!("../corpus/model_load/seed-rank-deficient.json"),
];

/// Numbers an edit may put in place of another.
const NUMBERS: &[f64] = &[
    0.0,
    -1.0,
    1.0,
    2.0,
    0.5,
    -0.5,
    1e300,
    -1e300,
    5e-324,
    4611686018427387904.0,
    18446744073709551615.0,
];

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((b'#', edits)) => check(&edited(edits)),
        _ => check(data),
    }
});

/// A seed model with the edits `bytes` describe, as JSON.
fn edited(bytes: &[u8]) -> Vec<u8> {
    let mut bytes = bytes.iter().copied();
    let seed = SEEDS[usize::from(bytes.next().unwrap_or(0)) % SEEDS.len()];
    let mut v: Value = serde_json::from_str(seed).expect("seed models are JSON");
    while let Some(depth) = bytes.next() {
        let steps: Vec<u8> = bytes.by_ref().take(usize::from(depth % 12)).collect();
        let node = walk(&mut v, &steps);
        let op = bytes.next().unwrap_or(0);
        let arg = bytes.next().unwrap_or(0);
        edit(node, op, arg, &mut bytes);
    }
    serde_json::to_vec(&v).expect("a Value serialises")
}

/// The node reached from `node` by `steps`: each step picks a key of an
/// object or an element of a list; a leaf ends the walk.
fn walk<'a>(node: &'a mut Value, steps: &[u8]) -> &'a mut Value {
    let Some((&b, rest)) = steps.split_first() else {
        return node;
    };
    let len = match &*node {
        Value::Object(map) => map.len(),
        Value::Array(items) => items.len(),
        _ => 0,
    };
    if len == 0 {
        return node;
    }
    let at = usize::from(b) % len;
    match node {
        Value::Object(map) => {
            let key = map.keys().nth(at).unwrap().clone();
            walk(map.get_mut(&key).unwrap(), rest)
        }
        Value::Array(items) => walk(&mut items[at], rest),
        other => other,
    }
}

/// Replaces or reshapes one node.
fn edit(node: &mut Value, op: u8, arg: u8, bytes: &mut impl Iterator<Item = u8>) {
    match (node, op % 6) {
        (Value::Array(items), 0) => {
            items.pop();
        }
        (Value::Array(items), 1) => {
            if let Some(last) = items.last().cloned() {
                items.push(last);
            }
        }
        (Value::Array(items), 2) => items.truncate(usize::from(arg) % (items.len() + 1)),
        (Value::Array(items), 3) if items.len() > 1 => {
            let n = items.len();
            items.swap(usize::from(arg) % n, (usize::from(arg) / 7 + 1) % n);
        }
        (Value::Object(map), 0) if !map.is_empty() => {
            let key = map.keys().nth(usize::from(arg) % map.len()).unwrap().clone();
            map.remove(&key);
        }
        (node, 4) => {
            let raw: Vec<u8> = bytes.take(8).collect();
            let mut word = [0u8; 8];
            word[..raw.len()].copy_from_slice(&raw);
            let x = f64::from_le_bytes(word);
            *node = if x.is_finite() {
                json!(x)
            } else {
                json!(u64::from_le_bytes(word))
            };
        }
        (node, 5) => {
            *node = match arg % 4 {
                0 => Value::Null,
                1 => json!(""),
                2 => json!([]),
                _ => json!(arg % 2 == 0),
            };
        }
        (node, _) => *node = json!(NUMBERS[usize::from(arg) % NUMBERS.len()]),
    }
}

/// Loads `data` and, if it loads, uses the model as `gam summary` and `gam predict` would.
fn check(data: &[u8]) {
    let source = Path::new("fuzz.json");
    let model = match GamModel::from_json_bytes(data, source) {
        Ok(m) => m,
        Err(e) => {
            let shown = e.to_string();
            assert!(!shown.contains('\n'), "a multi-line error: {shown}");
            assert!(
                shown.starts_with("fuzz.json: "),
                "the error does not name the file: {shown}"
            );
            return;
        }
    };
    model.check().expect("a loaded model passes its check");
    let again = serde_json::to_vec(&model).expect("a loaded model serialises");
    let back = GamModel::from_json_bytes(&again, source).expect("a loaded model loads again after a save");
    assert_eq!(back.coefficients.len(), model.coefficients.len());
    summary_parts(&model);
    predict_synthetic(&model);
}

/// What `gam summary` computes from a model besides the stored tables.
fn summary_parts(model: &GamModel) {
    let p = model.coefficients.len();
    assert_eq!(model.design.coef_names().len(), p);
    assert_eq!(model.se_bayes().len(), p);
    assert_eq!(model.smooth_edf().len(), model.design.smooths.len());
    assert_eq!(model.design.sp_names().len(), model.sp.len());
    let _ = (model.edf_total(), model.dev_explained());
    for s in &model.design.smooths {
        let _ = (s.class(), s.n_coef(), s.sp_names());
    }
}

/// Predicts on a frame holding every column the model reads: factors with
/// the model's levels, numbers spread over a range around zero.
fn predict_synthetic(model: &GamModel) {
    let mut factors: Vec<(String, Vec<String>)> = Vec::new();
    let mut add = |column: &str, levels: &[String]| match factors.iter_mut().find(|(c, _)| c == column) {
        Some((_, known)) => known.extend(
            levels
                .iter()
                .filter(|l| !known.contains(l))
                .cloned()
                .collect::<Vec<_>>(),
        ),
        None => factors.push((column.to_string(), levels.to_vec())),
    };
    for t in &model.design.parametric {
        if let ParamTerm::Factor { column, levels, .. } = t {
            add(column, levels);
        }
    }
    for s in &model.design.smooths {
        if let By::Level { column, level, .. } = &s.by {
            add(column, std::slice::from_ref(level));
        }
        for (var, levels) in s.spec.vars.iter().zip(&s.factor_levels) {
            if let Some(levels) = levels {
                add(var, levels);
            }
        }
    }
    let mut columns: Vec<(String, Column)> = Vec::new();
    for name in model.predictor_columns() {
        if columns.iter().any(|(c, _)| *c == name) {
            continue;
        }
        let col = match factors.iter().find(|(c, _)| *c == name) {
            Some((_, levels)) if !levels.is_empty() => Column::Factor(FactorColumn::from_values(
                (0..ROWS).map(|i| Some(levels[i % levels.len()].as_str())),
            )),
            _ => Column::Numeric((0..ROWS).map(|i| i as f64 * 0.75 - 2.0).collect()),
        };
        columns.push((name, col));
    }
    let Ok(frame) = DataFrame::new(columns) else {
        return;
    };
    for kind in [PredictType::Link, PredictType::Response] {
        let opts = PredictOptions {
            kind,
            se: true,
            terms: true,
            ..Default::default()
        };
        if let Ok(p) = model.predict(&frame, &opts) {
            assert_eq!(p.fit.len(), frame.nrows());
            assert_eq!(p.se_fit.map(|s| s.len()), Some(frame.nrows()));
        }
    }
}
