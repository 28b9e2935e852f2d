//! A factor-smooth interaction ([`PlotKind::LevelCurves`](gam::expert::report::plot::PlotKind)):
//! every level's curve in one panel, as mgcv's `plot.fs.interaction` (a line per level, in
//! turn coloured) and `plot.sz.interaction` (with a shaded band each) draw them.

use gam::expert::report::plot::TermPlot;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{DrawResult, padded, panel};

/// R's `palette()` colours 1-8 (black, red, green, blue, cyan, magenta, yellow, grey).
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 0, 0),
    RGBColor(223, 83, 107),
    RGBColor(97, 208, 79),
    RGBColor(34, 151, 230),
    RGBColor(40, 226, 229),
    RGBColor(205, 11, 188),
    RGBColor(245, 199, 16),
    RGBColor(158, 158, 158),
];

/// The curves of an `fs` or `sz` term, their bands shaded when present.
pub(super) fn level_curves<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, t: &TermPlot) -> DrawResult<DB> {
    let n = t.x.len();
    if n == 0 {
        return Ok(());
    }
    let se = t.se.clone().unwrap_or_else(|| vec![0.0; t.fit.len()]);
    let yr = padded(t.fit.iter().zip(&se).flat_map(|(f, s)| [f - s, f + s]));
    let mut chart = panel(area, t, padded(t.x.iter().copied()), yr)?;
    for (c, (fit, band)) in t.fit.chunks(n).zip(se.chunks(n)).enumerate() {
        let colour = PALETTE[c % PALETTE.len()];
        if t.se.is_some() {
            let mut poly: Vec<(f64, f64)> =
                t.x.iter()
                    .zip(fit.iter().zip(band))
                    .map(|(&x, (f, s))| (x, f + s))
                    .collect();
            poly.extend(
                t.x.iter()
                    .zip(fit.iter().zip(band))
                    .rev()
                    .map(|(&x, (f, s))| (x, f - s)),
            );
            chart.draw_series(std::iter::once(Polygon::new(poly, colour.mix(0.2).filled())))?;
        }
        let line = t.x.iter().copied().zip(fit.iter().copied());
        chart.draw_series(LineSeries::new(line, colour.stroke_width(2)))?;
    }
    Ok(())
}
