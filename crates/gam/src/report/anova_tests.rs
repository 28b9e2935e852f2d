//! Unit tests of the analysis-of-deviance printing against R's print.anova.

// R's doubles, written with the 17 digits R printed them with.
#![allow(clippy::excessive_precision)]

use super::*;

fn row(formula: &str, resid_df: f64, resid_dev: f64, rest: Option<[f64; 4]>) -> DevianceRow {
    DevianceRow {
        formula: formula.to_string(),
        resid_df,
        resid_dev,
        df: rest.map(|r| r[0]),
        deviance: rest.map(|r| r[1]),
        f: rest.map(|r| r[2]),
        p_value: rest.map(|r| r[3]),
    }
}

#[test]
fn a_tiny_df_and_zapped_deviances_print_as_r() {
    // R 4.2.2, mgcv 1.8-41: coal.csv, poisson, method = "REML",
    // suppressWarnings(anova(gam(count ~ year), gam(count ~ s(year, k = 5)),
    // gam(count ~ s(year, k = 20)), test = "F")) with the table's doubles to 17 digits: the
    // deviances are zapsmall()ed to 4 decimals, the Df column keeps 0.0010397.
    let t = DevianceTable {
        test: Some(AnovaTest::F),
        models: vec![
            row("count ~ year", 110.0, 138.20301881284453, None),
            row(
                "count ~ s(year, k = 5)",
                109.99896030301943,
                138.20250474012815,
                Some([
                    0.0010396969805697154,
                    0.00051407271638481689,
                    0.49444475264622206,
                    0.0039895315905493405,
                ]),
            ),
            row(
                "count ~ s(year, k = 20)",
                103.4894698742183,
                119.930796044359,
                Some([
                    6.5094904288011293,
                    18.271708695769149,
                    2.8069337985238119,
                    0.0079036417723166042,
                ]),
            ),
        ],
        dispersion: Some(1.0),
        df_dispersion: None,
        warnings: Vec::new(),
    };
    let expected = "Analysis of Deviance Table

Model 1: count ~ year
Model 2: count ~ s(year, k = 5)
Model 3: count ~ s(year, k = 20)
  Resid. Df Resid. Dev        Df Deviance      F   Pr(>F)   
1    110.00     138.20                                      
2    110.00     138.20 0.0010397   0.0005 0.4944 0.003990 **
3    103.49     119.93 6.5094904  18.2717 2.8069 0.007904 **
---
Signif. codes:  0 \u{2018}***\u{2019} 0.001 \u{2018}**\u{2019} 0.01 \u{2018}*\u{2019} 0.05 \u{2018}.\u{2019} 0.1 \u{2018} \u{2019} 1
";
    assert_eq!(deviance_table_text(&t), expected);
}

#[test]
fn zapsmall_rounds_to_the_nearest_whole_number_of_digits() {
    // zapsmall(c(NA, 0.00051407, 18.2717087), 5): 5 - log10(18.27) = 3.74 digits, rounded to 4.
    assert_eq!(
        zapsmall(&[None, Some(0.00051407271638481689), Some(18.271708695769149)], 5),
        vec![None, Some(0.0005), Some(18.2717)]
    );
    assert_eq!(zapsmall(&[None, None], 5), vec![None, None]);
}

#[test]
fn missing_values_widen_a_column_as_r_counts_na() {
    // format(c(NA, 2), digits = 5) is c("NA", " 2"): the NA counts in the width.
    assert_eq!(
        format_na(&[None, Some(2.0)], 5, ""),
        vec!["".to_string(), " 2".to_string()]
    );
    assert_eq!(
        format_na(&[None, Some(2.0)], 5, "NA"),
        vec!["NA".to_string(), " 2".to_string()]
    );
    assert_eq!(format_na(&[Some(2.0)], 5, ""), vec!["2".to_string()]);
}
