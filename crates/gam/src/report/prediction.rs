//! Predictions as a front end writes them: CSV (a `fit` column, `se_fit`
//! when standard errors were asked for, one column per term headed by its
//! label when term contributions were) or one JSON document. Row i of the
//! output is row i of the prediction; numbers are in Rust's shortest form
//! that reads back to the same `f64`.

use std::io::{self, Write};

use serde::Serialize;

use crate::predict::{ClassProbabilities, PredictType, Prediction};

/// The name of a prediction scale in the JSON document: `link` or `response`.
pub fn predict_type_name(kind: PredictType) -> &'static str {
    match kind {
        PredictType::Link => "link",
        PredictType::Response => "response",
    }
}

/// Writes predictions as CSV to `out`.
///
/// # Errors
/// The writer's I/O error itself (so that a closed pipe stays recognisable
/// by its kind).
pub fn write_prediction_csv(out: &mut dyn Write, p: &Prediction) -> io::Result<()> {
    write_records(out, p).map_err(|e| csv_to_io(e, "writing predictions"))
}

fn write_records(out: &mut dyn Write, p: &Prediction) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["fit".to_string()];
    if p.se_fit.is_some() {
        header.push("se_fit".to_string());
    }
    if let Some(terms) = &p.terms {
        header.extend(terms.iter().map(|(label, _)| label.clone()));
    }
    w.write_record(&header)?;
    let mut record: Vec<String> = Vec::with_capacity(header.len());
    for i in 0..p.fit.len() {
        record.clear();
        record.push(p.fit[i].to_string());
        if let Some(se) = &p.se_fit {
            record.push(se[i].to_string());
        }
        if let Some(terms) = &p.terms {
            record.extend(terms.iter().map(|(_, v)| v[i].to_string()));
        }
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

/// The I/O error inside a `csv` error, or the error described after `what`.
/// csv's errors hide an I/O error inside (`io::Error::from` wraps it as kind
/// Other and `csv::Error` has no source): taking it out keeps a closed pipe
/// recognisable.
pub(crate) fn csv_to_io(e: csv::Error, what: &str) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{what}: {other:?}")),
    }
}

/// Writes an ordered categorical model's class probabilities as CSV to `out`: columns `p1`..`pR`,
/// then `se_p1`..`se_pR` when standard errors were asked for.
///
/// # Errors
/// The writer's I/O error itself, as [`write_prediction_csv`].
pub fn write_class_probabilities_csv(out: &mut dyn Write, p: &ClassProbabilities) -> io::Result<()> {
    write_class_records(out, p).map_err(|e| csv_to_io(e, "writing class probabilities"))
}

fn write_class_records(out: &mut dyn Write, p: &ClassProbabilities) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    let r = p.fit.first().map_or(0, Vec::len);
    let mut header: Vec<String> = (1..=r).map(|k| format!("p{k}")).collect();
    if p.se_fit.is_some() {
        header.extend((1..=r).map(|k| format!("se_p{k}")));
    }
    w.write_record(&header)?;
    for (i, row) in p.fit.iter().enumerate() {
        let mut record: Vec<String> = row.iter().map(f64::to_string).collect();
        if let Some(se) = &p.se_fit {
            record.extend(se[i].iter().map(f64::to_string));
        }
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

/// Class probabilities as one JSON document (`gam predict --type response --json` of an ocat
/// model): `n`, `type` ("response"), `fit` (one array of R per row), `se_fit` when asked for.
#[derive(Debug, Serialize)]
pub struct ClassProbabilitiesJson<'a> {
    /// Number of rows.
    pub n: usize,
    /// Always `response`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The class probabilities.
    #[serde(flatten)]
    pub probabilities: &'a ClassProbabilities,
}

/// The JSON document of class probabilities.
pub fn class_probabilities_json(p: &ClassProbabilities) -> ClassProbabilitiesJson<'_> {
    ClassProbabilitiesJson {
        n: p.fit.len(),
        kind: predict_type_name(PredictType::Response),
        probabilities: p,
    }
}

/// One term's contributions in the JSON document.
#[derive(Debug, Serialize)]
pub struct TermJson<'a> {
    /// The term's label (`s(x)`, a column name).
    pub label: &'a str,
    /// Its contribution to the linear predictor at each row.
    pub values: &'a [f64],
}

/// Predictions as one JSON document (`gam predict --json`).
#[derive(Debug, Serialize)]
pub struct PredictionJson<'a> {
    /// Number of rows.
    pub n: usize,
    /// `link` or `response`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The predictions, in input row order.
    pub fit: &'a [f64],
    /// Their standard errors, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub se_fit: Option<&'a [f64]>,
    /// Term contributions, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terms: Option<Vec<TermJson<'a>>>,
}

/// The JSON document of predictions made on the `kind` scale.
pub fn prediction_json(p: &Prediction, kind: PredictType) -> PredictionJson<'_> {
    PredictionJson {
        n: p.fit.len(),
        kind: predict_type_name(kind),
        fit: &p.fit,
        se_fit: p.se_fit.as_deref(),
        terms: p
            .terms
            .as_ref()
            .map(|t| t.iter().map(|(label, values)| TermJson { label, values }).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::json::json_text;

    fn prediction() -> Prediction {
        Prediction {
            fit: vec![1.5, -0.25],
            se_fit: Some(vec![0.1, 0.2]),
            terms: Some(vec![("s(x)".to_string(), vec![0.5, 1.0 / 3.0])]),
        }
    }

    #[test]
    fn csv_has_one_column_per_part_and_shortest_numbers() {
        let mut out = Vec::new();
        write_prediction_csv(&mut out, &prediction()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "fit,se_fit,s(x)\n1.5,0.1,0.5\n-0.25,0.2,0.3333333333333333\n"
        );
        let bare = Prediction {
            fit: vec![2.0],
            se_fit: None,
            terms: None,
        };
        let mut out = Vec::new();
        write_prediction_csv(&mut out, &bare).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "fit\n2\n");
    }

    /// A writer whose reader went away.
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn class_probabilities_have_one_column_per_class() {
        let p = ClassProbabilities {
            fit: vec![vec![0.25, 0.75], vec![0.5, 0.5]],
            se_fit: Some(vec![vec![0.1, 0.1], vec![0.2, 0.2]]),
        };
        let mut out = Vec::new();
        write_class_probabilities_csv(&mut out, &p).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "p1,p2,se_p1,se_p2\n0.25,0.75,0.1,0.1\n0.5,0.5,0.2,0.2\n"
        );
        let text = json_text(&class_probabilities_json(&p)).unwrap();
        assert!(
            text.contains("\"type\": \"response\"") && text.contains("\"se_fit\""),
            "{text}"
        );
    }

    #[test]
    fn a_closed_pipe_keeps_its_kind() {
        let err = write_prediction_csv(&mut ClosedPipe, &prediction()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn json_names_the_scale_and_omits_what_was_not_asked() {
        let p = Prediction {
            fit: vec![1.0],
            se_fit: None,
            terms: None,
        };
        assert_eq!(
            json_text(&prediction_json(&p, PredictType::Response)).unwrap(),
            "{\n  \"n\": 1,\n  \"type\": \"response\",\n  \"fit\": [\n    1.0\n  ]\n}\n"
        );
        let text = json_text(&prediction_json(&prediction(), PredictType::Link)).unwrap();
        assert!(text.contains("\"type\": \"link\""), "{text}");
        assert!(text.contains("\"label\": \"s(x)\""), "{text}");
        assert!(text.contains("\"se_fit\""), "{text}");
    }
}
