//! Behaviour of `gam::expert::report` on a fit of the bundled examples/mcycle.csv:
//! the summary text is its lines, each ending in a newline, with mgcv's
//! numbers; the JSON of a fit through the cache says where it started.

use std::path::{Path, PathBuf};

use gam::expert::cache::{CacheOptions, fit_cached};
use gam::expert::data::DataFrame;
use gam::expert::fit::driver::NoObserver;
use gam::expert::formula::Formula;
use gam::expert::model::GamSpec;
use gam::expert::report::{SummaryText, fit_json, json_text, model_json, summary_lines};
use gam::expert::warmstart::{StoreOptions, WarmStartStore};

const FORMULA: &str = "accel ~ s(times, bs = \"cr\", k = 20)";

fn mcycle() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mcycle.csv")
}

#[test]
fn summary_text_and_fit_json_of_a_cached_fit() {
    let spec = GamSpec::new(Formula::parse(FORMULA).unwrap());
    let data = DataFrame::read_csv(&mcycle()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = WarmStartStore::open(dir.path().to_path_buf(), StoreOptions::default()).unwrap();
    let opts = CacheOptions::default();
    let first = fit_cached(&spec, &data, Some(&store), &opts, &mut NoObserver).unwrap();

    let text = SummaryText(&first.model).to_string();
    let mut lines = summary_lines(&first.model).join("\n");
    lines.push('\n');
    assert_eq!(text, lines);
    // mgcv's last line for this model (fit_summary_cli has the whole printout).
    assert!(
        text.ends_with("\n-REML = 616.01  Scale est. = 509.01    n = 133\n"),
        "{text}"
    );
    assert!(
        text.starts_with("\nFamily: gaussian \nLink function: identity \n\nFormula:\n"),
        "{text}"
    );

    let json = fit_json(&first);
    assert_eq!(json.start.source, "cold");
    assert_eq!(json.start.description, "cache: cold start");
    assert!(json.iterations_run > 0);
    let again = fit_cached(&spec, &data, Some(&store), &opts, &mut NoObserver).unwrap();
    let json = fit_json(&again);
    assert_eq!(json.start.source, "exact_hit");
    assert_eq!(json.iterations_run, 0);
    // The model's fields sit at the top of the fit's document, beside `start`.
    let doc: serde_json::Value = serde_json::from_str(&json_text(&json).unwrap()).unwrap();
    let model: serde_json::Value = serde_json::from_str(&json_text(&model_json(&again.model)).unwrap()).unwrap();
    for (key, value) in model.as_object().unwrap() {
        assert_eq!(&doc[key], value, "{key}");
    }
    assert_eq!(doc["start"]["source"], "exact_hit");
    assert_eq!(doc["n"], 133);
}
