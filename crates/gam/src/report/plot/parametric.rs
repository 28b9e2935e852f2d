//! Parametric terms as mgcv's `plot.gam(all.terms = TRUE)` draws them,
//! through R's `termplot(se = TRUE)`: each main-effect term's contribution
//! `x_t β_t` (uncentred, as `predict.gam(type = "terms")` gives it) and
//! twice its standard error `sqrt(x_t V_t x_tᵀ)`, with `V_t` the term's
//! block of `Vp`:
//!
//! - a numeric term at each distinct value of its carrier variable, sorted
//!   (the variable inside an expression: `log(x)` is drawn against `x`);
//! - a factor at each level, drawn as a short segment per level.
//!
//! Values are taken at the first training row with each value or level, as
//! `termplot(plot = FALSE)` takes them. Interactions (`a:b`) are not drawn,
//! as in mgcv, which plots the terms of order 1 only.

use faer::Mat;

use super::values::quad;
use super::{PlotKind, TermPlot};
use crate::data::{Column, DataFrame};
use crate::design::parametric::ParamTerm;
use crate::error::Result;
use crate::model::GamModel;

/// termplot's band: `2 ×` the standard error.
const TERMPLOT_SE_MULT: f64 = 2.0;

/// The plots of `model`'s parametric main effects at the training rows `rows`
/// (with the model's derived columns).
pub(super) fn parametric_plots(model: &GamModel, rows: &DataFrame) -> Result<Vec<TermPlot>> {
    let vp = model.vp.to_mat();
    let beta = &model.coefficients;
    let mut out = Vec::new();
    let columns = model.design.term_columns();
    for (t, (label, cols)) in model.design.parametric.iter().zip(columns) {
        let n = rows.nrows();
        let k = cols.len();
        let mut x = Mat::<f64>::zeros(n, k);
        t.fill(rows, &mut x, 0)?;
        let at = |i: usize| -> (f64, f64) {
            let row: Vec<f64> = (0..k).map(|c| x[(i, c)]).collect();
            let fit = row.iter().zip(&beta[cols.clone()]).map(|(a, b)| a * b).sum();
            (fit, TERMPLOT_SE_MULT * quad(&row, &vp, cols.start).max(0.0).sqrt())
        };
        let (xs, levels, raw, xlab, firsts) = match t {
            ParamTerm::Linear { column } => {
                let (name, carrier) = carrier(model, rows, column);
                let mut order: Vec<usize> = (0..n).filter(|&i| carrier[i].is_finite()).collect();
                order.sort_by(|&a, &b| carrier[a].total_cmp(&carrier[b]).then(a.cmp(&b)));
                order.dedup_by(|a, b| carrier[*a] == carrier[*b]);
                let xs = order.iter().map(|&i| carrier[i]).collect();
                (xs, None, vec![carrier.clone()], name, order)
            }
            ParamTerm::Factor { column, levels, .. } => {
                let f = rows.factor_with_levels(column, levels)?;
                let firsts: Vec<(usize, usize)> = (0..levels.len())
                    .filter_map(|l| (0..n).find(|&i| f.codes[i] == Some(l as u32)).map(|i| (l, i)))
                    .collect();
                let xs = firsts.iter().map(|&(l, _)| (l + 1) as f64).collect();
                let names = firsts.iter().map(|&(l, _)| levels[l].clone()).collect();
                (
                    xs,
                    Some(names),
                    Vec::new(),
                    column.clone(),
                    firsts.iter().map(|&(_, i)| i).collect(),
                )
            }
            _ => continue,
        };
        let (fit, se): (Vec<f64>, Vec<f64>) = firsts.iter().map(|&i| at(i)).unzip();
        out.push(TermPlot {
            x: xs,
            fit,
            se: Some(se),
            se_mult: TERMPLOT_SE_MULT,
            xlab,
            ylab: format!("Partial for {label}"),
            main: Some(label.clone()),
            raw,
            levels,
            ..TermPlot::empty(&label, PlotKind::Parametric, k as f64)
        });
    }
    Ok(out)
}

/// The variable a numeric term is drawn against, and its values: the one
/// variable of an expression column (`log(x)` → `x`), else the column.
fn carrier(model: &GamModel, rows: &DataFrame, column: &str) -> (String, Vec<f64>) {
    let own = || match rows.column(column) {
        Some(Column::Numeric(v)) => v.clone(),
        _ => vec![f64::NAN; rows.nrows()],
    };
    let Some(d) = model.design.derived.iter().find(|d| d.name == column) else {
        return (column.to_string(), own());
    };
    let mut vars = Vec::new();
    d.expr.vars(&mut vars);
    vars.dedup();
    match (vars.as_slice(), vars.first().and_then(|v| rows.column(v))) {
        ([v], Some(Column::Numeric(x))) => (v.clone(), x.clone()),
        _ => (column.to_string(), own()),
    }
}
