//! Ways a saved model file can be damaged, as edits of its JSON, each with a
//! phrase the refusal must contain. Shared by the library's model-file tests
//! and the CLI's (which include this file by path).

// Each test binary uses only part of this module.
#![allow(dead_code)]

use serde_json::{Value, json};

/// One kind of damage.
pub struct Damage {
    /// What is done to the file.
    pub name: &'static str,
    /// A phrase the error must contain.
    pub needle: &'static str,
    /// Applies the damage; `false` if the model has nothing to damage this way.
    pub apply: fn(&mut Value) -> bool,
}

/// A size no file can back: 2^62.
pub const ABSURD: u64 = 1 << 62;

fn arr(v: &mut Value) -> &mut Vec<Value> {
    v.as_array_mut().expect("an array")
}

fn smooths(v: &mut Value) -> &mut Vec<Value> {
    arr(&mut v["design"]["smooths"])
}

/// The first basis (a smooth's, or a tensor margin) of type `kind`.
fn basis_of<'a>(v: &'a mut Value, kind: &str) -> Option<&'a mut Value> {
    fn find<'a>(b: &'a mut Value, kind: &str) -> Option<&'a mut Value> {
        if b["type"] == kind {
            return Some(b);
        }
        b.get_mut("margins")?
            .as_array_mut()?
            .iter_mut()
            .find_map(|m| find(m, kind))
    }
    smooths(v).iter_mut().find_map(|s| find(&mut s["basis"], kind))
}

/// The first one-dimensional spline basis (cr, cc, ps), margins included.
fn spline_basis(v: &mut Value) -> Option<&mut Value> {
    let kind = ["cr", "cc", "ps"].into_iter().find(|k| basis_of(v, k).is_some())?;
    basis_of(v, kind)
}

/// The damages the issue lists, and more.
pub const DAMAGES: &[Damage] = &[
    Damage {
        name: "one coefficient removed",
        needle: "coefficients but the design has",
        apply: |v| arr(&mut v["coefficients"]).pop().is_some(),
    },
    Damage {
        name: "coefficients too long",
        needle: "coefficients but the design has",
        apply: |v| {
            arr(&mut v["coefficients"]).push(json!(0.25));
            true
        },
    },
    Damage {
        name: "coefficients empty",
        needle: "0 coefficients but the design has",
        apply: |v| {
            arr(&mut v["coefficients"]).clear();
            true
        },
    },
    Damage {
        name: "a coefficient null (a NaN written by an old build)",
        needle: "null",
        apply: |v| {
            v["coefficients"][0] = Value::Null;
            true
        },
    },
    Damage {
        name: "covariance shorter than its dimensions",
        needle: "entries",
        apply: |v| arr(&mut v["vp"]["data"]).pop().is_some(),
    },
    Damage {
        name: "absurd covariance dimensions",
        needle: "4611686018427387904",
        apply: |v| {
            v["vp"]["rows"] = json!(ABSURD);
            v["vp"]["cols"] = json!(ABSURD);
            true
        },
    },
    Damage {
        name: "frequentist covariance not square",
        needle: "the covariance matrix ve",
        apply: |v| {
            let cols = v["ve"]["cols"].as_u64().unwrap();
            v["ve"]["cols"] = json!(cols - 1);
            true
        },
    },
    Damage {
        name: "smooth list emptied",
        needle: "coefficients but the design has",
        apply: |v| {
            let s = smooths(v);
            let had = !s.is_empty();
            s.clear();
            had
        },
    },
    Damage {
        name: "a smooth duplicated",
        needle: "appears twice",
        apply: |v| {
            let s = smooths(v);
            let Some(first) = s.first().cloned() else {
                return false;
            };
            s.push(first);
            true
        },
    },
    Damage {
        name: "a tensor margin removed",
        needle: "margins but",
        apply: |v| basis_of(v, "tensor").is_some_and(|b| arr(&mut b["margins"]).pop().is_some()),
    },
    Damage {
        name: "knots truncated",
        needle: "should be",
        apply: |v| spline_basis(v).is_some_and(|b| arr(&mut b["knots"]).pop().is_some()),
    },
    Damage {
        name: "knots out of order",
        needle: "not increasing",
        apply: |v| {
            spline_basis(v).is_some_and(|b| {
                arr(&mut b["knots"]).swap(1, 2);
                true
            })
        },
    },
    Damage {
        name: "thin plate knots shorter than their dimensions",
        needle: "its knots",
        apply: |v| basis_of(v, "tp").is_some_and(|b| arr(&mut b["knots"]["data"]).pop().is_some()),
    },
    Damage {
        name: "absurd thin plate penalty order",
        needle: "penalty order",
        apply: |v| {
            basis_of(v, "tp").is_some_and(|b| {
                b["m"] = json!(ABSURD);
                true
            })
        },
    },
    Damage {
        name: "absurd P-spline order",
        needle: "too few for B-splines",
        apply: |v| {
            basis_of(v, "ps").is_some_and(|b| {
                b["m"][0] = json!(ABSURD);
                true
            })
        },
    },
    Damage {
        name: "absurd number of random effect levels",
        needle: "stored levels",
        apply: |v| {
            basis_of(v, "re").is_some_and(|b| match b["covariate"].get_mut("Factor") {
                Some(f) => {
                    f["levels"] = json!(ABSURD);
                    true
                }
                None => false,
            })
        },
    },
    Damage {
        name: "a random effect level dropped",
        needle: "stored levels",
        apply: |v| {
            smooths(v).iter_mut().any(|s| {
                arr(&mut s["factor_levels"])
                    .iter_mut()
                    .any(|l| l.as_array_mut().is_some_and(|l| l.pop().is_some()))
            })
        },
    },
    Damage {
        name: "a smooth's penalty shorter than its dimensions",
        needle: "penalty 1",
        apply: |v| {
            smooths(v).iter_mut().any(|s| {
                s["penalties"]
                    .get_mut(0)
                    .is_some_and(|p| arr(&mut p["data"]).pop().is_some())
            })
        },
    },
    Damage {
        name: "a factor by variable renamed",
        needle: "by variable",
        apply: |v| {
            smooths(v).iter_mut().any(|s| match s["by"].get_mut("Level") {
                Some(level) => {
                    level["column"] = json!("elsewhere");
                    true
                }
                None => false,
            })
        },
    },
    Damage {
        name: "a centring constraint truncated",
        needle: "centring constraint",
        apply: |v| {
            smooths(v)
                .iter_mut()
                .any(|s| s["constraint"].is_object() && arr(&mut s["constraint"]["v"]).pop().is_some())
        },
    },
    Damage {
        name: "smoothing parameters of the wrong length",
        needle: "smoothing parameters for",
        apply: |v| {
            arr(&mut v["sp"]).push(json!(1.0));
            true
        },
    },
    Damage {
        name: "edf of the wrong length",
        needle: "edf values",
        apply: |v| arr(&mut v["edf"]).pop().is_some(),
    },
    Damage {
        name: "a negative variance",
        needle: "negative variance",
        apply: |v| {
            v["vp"]["data"][0] = json!(-1.0);
            true
        },
    },
    Damage {
        name: "a negative scale",
        needle: "scale is -2",
        apply: |v| {
            v["scale"] = json!(-2.0);
            true
        },
    },
    Damage {
        name: "a link the family does not have",
        needle: "family has no",
        apply: |v| {
            // cloglog belongs to the binomial family only, sqrt to none of its links.
            v["link"] = if v["family"] == "binomial" {
                json!("sqrt")
            } else {
                json!("cloglog")
            };
            true
        },
    },
    Damage {
        name: "a family parameter where the family has none",
        needle: "has 0 estimated parameter(s), but 1 are stored",
        apply: |v| {
            let none = v["theta"].is_null() || v["theta"].as_array().is_some_and(Vec::is_empty);
            v["theta"] = json!(2.0);
            none
        },
    },
    Damage {
        name: "another format version",
        needle: "format version 99",
        apply: |v| {
            v["format_version"] = json!(99);
            true
        },
    },
    Damage {
        name: "the summary factor a row short",
        needle: "the summary factor is",
        apply: |v| {
            let rows = v["summary_factor"]["rows"].as_u64().expect("a factor");
            v["summary_factor"]["rows"] = json!(rows - 1);
            true
        },
    },
    Damage {
        name: "the summary factor removed",
        needle: "no summary_factor",
        apply: |v| v.as_object_mut().expect("an object").remove("summary_factor").is_some(),
    },
    Damage {
        name: "marked as a version 1 file, which stores the summary tables",
        needle: "no summary tables",
        apply: |v| {
            v["format_version"] = json!(1);
            true
        },
    },
    Damage {
        name: "the model's column list emptied",
        needle: "but the design reads",
        apply: |v| {
            arr(&mut v["design"]["columns_used"]).clear();
            true
        },
    },
    Damage {
        name: "a formula nested beyond what the parser takes",
        needle: "its formula does not parse",
        apply: |v| {
            v["formula"] = Value::from(format!("y ~ {}x", "-".repeat(200_000)));
            true
        },
    },
    Damage {
        name: "a formula of other columns",
        needle: "its formula reads the columns",
        apply: |v| {
            v["formula"] = json!("elsewhere ~ s(w)");
            true
        },
    },
    Damage {
        name: "a smooth's covariate renamed",
        needle: "column 'elsewhere' is read but not among the model's columns",
        apply: |v| {
            smooths(v).first_mut().is_some_and(|s| {
                s["spec"]["vars"][0] = json!("elsewhere");
                true
            })
        },
    },
    Damage {
        name: "fitted to no rows",
        needle: "0 rows",
        apply: |v| {
            v["n"] = json!(0);
            true
        },
    },
];
