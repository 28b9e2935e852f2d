//! A Markov random field (`bs = "mrf"`) as mgcv's `plot.mrf.smooth` gives
//! it (`plots.r` lines 659-683): the term's value at every area of the
//! neighbourhood (`PredictMat` at one row per area, its `by` variable
//! ignored, the centring constraint absorbed), no standard errors, the
//! label with its EDF as the title, empty axis labels; with the areas'
//! polygons for a front end to fill by value (mgcv's `polys.plot`). Areas
//! are listed in factor-level order (mgcv lists them in the order of its
//! polygon list; the values are the same). Without polygons, nothing is
//! plotted, as in mgcv.

use super::values::{Evaluate, term_matrix};
use super::{PlotKind, TermPlot, frame_with, not_plotted};
use crate::basis::mrf::MrfBasis;
use crate::data::{Column, FactorColumn};
use crate::design::smooth::SmoothTerm;
use crate::error::Result;

/// The plot of an MRF term whose basis is `mrf`.
pub(super) fn area_plot(
    term: &SmoothTerm,
    mrf: &MrfBasis,
    label: String,
    edf: f64,
    evaluate: &Evaluate<'_>,
) -> Result<TermPlot> {
    let Some(polygons) = mrf.polygons() else {
        return Ok(not_plotted(term, edf, label));
    };
    let areas = mrf.areas().to_vec();
    let column = FactorColumn::from_values(areas.iter().map(|a| Some(a.as_str())));
    let frame = frame_with(vec![(term.spec.vars[0].clone(), Column::Factor(column))])?;
    let (fit, _) = evaluate(&term_matrix(term, &frame)?, 1.0);
    Ok(TermPlot {
        fit,
        main: Some(label),
        levels: Some(areas),
        polygons: Some(polygons.to_vec()),
        ..TermPlot::empty(&term.label, PlotKind::Areas, edf)
    })
}
