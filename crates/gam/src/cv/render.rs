//! A cross-validation report as text (the table `gam cv` prints) and its
//! held-out predictions as CSV.

use std::fmt;
use std::io::{self, Write};

use super::outcome::{CvReport, HeldOut};
use crate::report::json::json_text;
use crate::report::prediction::csv_to_io;
use crate::report::rformat::c_g;

/// Significant digits of the deviances in the text.
const DEVIANCE_DIGITS: usize = 6;

/// The column headers of the per-fold table.
const HEADER: [&str; 7] = [
    "fold",
    "n.train",
    "n.test",
    "deviance",
    "dev/row",
    "outer.iter",
    "start",
];

impl CvReport {
    /// The JSON document `gam cv --json` prints (pretty, ending in a newline).
    pub fn to_json(&self) -> String {
        // serde_json fails only for maps with non-string keys or a failing
        // Serialize impl; the report has neither (a non-finite number is
        // written as null), so the fallback below is never taken.
        json_text(self).unwrap_or_else(|e| format!("{{\"error\": {:?}}}\n", e.to_string()))
    }
}

/// The text of a cross-validation report: `format!("{}", CvText(&report))`
/// is what `gam cv` prints, a title, the rows used, one table row per fold
/// (numbers right-aligned, the start source left-aligned) and the means.
#[derive(Debug, Clone, Copy)]
pub struct CvText<'a>(pub &'a CvReport);

/// The table `gam cv` prints, as [`CvText`] renders it.
impl fmt::Display for CvReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        CvText(self).fmt(f)
    }
}

impl fmt::Display for CvText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = self.0;
        writeln!(
            f,
            "{}-fold cross-validation (seed {}) of {}",
            report.folds, report.seed, report.formula
        )?;
        let dropped = match report.n_dropped {
            0 => String::new(),
            1 => " (1 row with missing values dropped)".to_string(),
            d => format!(" ({d} rows with missing values dropped)"),
        };
        writeln!(f, "n = {}{dropped}", report.n)?;
        writeln!(f)?;
        let mut rows: Vec<Vec<String>> = vec![HEADER.iter().map(|h| h.to_string()).collect()];
        rows.extend(report.fold.iter().map(|r| {
            vec![
                r.fold.to_string(),
                r.n_train.to_string(),
                r.n_test.to_string(),
                c_g(r.deviance, DEVIANCE_DIGITS),
                c_g(r.deviance_per_row, DEVIANCE_DIGITS),
                r.outer_iterations.to_string(),
                r.start.to_string(),
            ]
        }));
        let widths: Vec<usize> = (0..HEADER.len())
            .map(|j| rows.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
            .collect();
        for r in &rows {
            let mut line = String::new();
            for (j, cell) in r.iter().enumerate() {
                if j + 1 == r.len() {
                    // The last column (words) is left-aligned.
                    line.push_str(&format!("  {cell}"));
                } else {
                    line.push_str(&format!("{}{cell:>w$}", if j == 0 { "" } else { "  " }, w = widths[j]));
                }
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "Mean held-out deviance = {} per fold, {} per row",
            c_g(report.mean_deviance, DEVIANCE_DIGITS),
            c_g(report.mean_deviance_per_row, DEVIANCE_DIGITS)
        )?;
        writeln!(f, "Total outer iterations = {}", report.total_outer_iterations)
    }
}

/// Writes held-out predictions as CSV: `row` (the 1-based data row), `fold`
/// and `fit` (the predicted mean).
///
/// # Errors
/// The writer's I/O error.
pub fn write_held_out_csv(out: &mut dyn Write, predictions: &[HeldOut]) -> io::Result<()> {
    write_records(out, predictions).map_err(|e| csv_to_io(e, "writing held-out predictions"))
}

fn write_records(out: &mut dyn Write, predictions: &[HeldOut]) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["row", "fold", "fit"])?;
    for p in predictions {
        w.write_record([(p.row + 1).to_string(), p.fold.to_string(), p.mu.to_string()])?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cv::outcome::FoldReport;

    fn report() -> CvReport {
        let fold = |fold, deviance: f64, start| FoldReport {
            fold,
            n_train: 6,
            n_test: 3,
            deviance,
            deviance_per_row: deviance / 3.0,
            outer_iterations: 4,
            start,
            reml_score: 1.0,
        };
        CvReport {
            formula: "y ~ s(x)".into(),
            family: "gaussian".into(),
            link: "identity".into(),
            n: 9,
            n_dropped: 1,
            folds: 3,
            seed: 7,
            cached: false,
            fold: vec![
                fold(1, 12.5, "cold"),
                fold(2, 1234.5678, "seeded"),
                fold(3, 0.5, "seeded"),
            ],
            mean_deviance: 415.856,
            mean_deviance_per_row: 138.619,
            total_outer_iterations: 12,
            predictions: vec![
                HeldOut {
                    row: 0,
                    fold: 2,
                    mu: 0.25,
                },
                HeldOut {
                    row: 2,
                    fold: 1,
                    mu: -1.5,
                },
            ],
        }
    }

    #[test]
    fn text_is_the_cv_table() {
        // Columns as wide as their widest cell (here dev/row's 0.166667),
        // deviances to 6 significant digits as C's %g.
        assert_eq!(
            CvText(&report()).to_string(),
            "3-fold cross-validation (seed 7) of y ~ s(x)\n\
             n = 9 (1 row with missing values dropped)\n\
             \n\
             fold  n.train  n.test  deviance   dev/row  outer.iter  start\n   \
             1        6       3      12.5   4.16667           4  cold\n   \
             2        6       3   1234.57   411.523           4  seeded\n   \
             3        6       3       0.5  0.166667           4  seeded\n\
             \n\
             Mean held-out deviance = 415.856 per fold, 138.619 per row\n\
             Total outer iterations = 12\n"
        );
    }

    #[test]
    fn held_out_csv_counts_rows_from_one() {
        let mut out = Vec::new();
        write_held_out_csv(&mut out, &report().predictions).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "row,fold,fit\n1,2,0.25\n3,1,-1.5\n");
    }
}
