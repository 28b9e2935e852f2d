//! `gam.check`'s four residual plots ([`gam::expert::report::check::ResidualPlots`],
//! computed by the library) on one 2 × 2 picture, as mgcv draws them: the
//! deviance residuals against `qq.gam`'s theoretical quantiles with the
//! line y = x in red, against the linear predictor, their histogram, and
//! the response against the fitted values.

use std::path::Path;

use anyhow::{Result, anyhow};
use gam::expert::report::check::ResidualPlots;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{DrawResult, Painter, labelled_panel, padded, render};

/// Up to this many rows points are drawn as open circles (R's default);
/// beyond, as dots, since the plots can hold 10⁵ rows.
const MAX_CIRCLES: usize = 5000;

/// Draws the four plots to `path` (`.svg` or `.png`).
pub fn draw_check(plots: &ResidualPlots, path: &Path) -> Result<()> {
    render(path, (2, 2), &CheckPanels(plots))
}

struct CheckPanels<'a>(&'a ResidualPlots);

impl Painter for CheckPanels<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(|e| anyhow!("drawing: {e}"))?;
        let areas = root.split_evenly((2, 2));
        let p = self.0;
        let mut sorted = p.residuals.clone();
        sorted.sort_by(f64::total_cmp);
        let drawn = [
            qq(&areas[0], &p.qq_theoretical, &sorted),
            scatter(
                &areas[1],
                ["linear predictor", "residuals"],
                "Resids vs. linear pred.",
                &p.linear_predictor,
                &p.residuals,
            ),
            histogram(&areas[2], p),
            scatter(
                &areas[3],
                ["Fitted Values", "Response"],
                "Response vs. Fitted Values",
                &p.fitted,
                &p.response,
            ),
        ];
        for (d, name) in drawn.into_iter().zip(["QQ plot", "residuals", "histogram", "response"]) {
            d.map_err(|e| anyhow!("drawing the {name}: {e}"))?;
        }
        Ok(())
    }
}

fn points<DB: DrawingBackend>(
    chart: &mut super::Chart<'_, DB>,
    x: &[f64],
    y: &[f64],
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let style = if x.len() <= MAX_CIRCLES {
        (2, BLACK.stroke_width(1))
    } else {
        (1, BLACK.filled())
    };
    chart.draw_series(
        x.iter()
            .zip(y)
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .map(|(&a, &b)| Circle::new((a, b), style.0, style.1)),
    )?;
    Ok(())
}

fn qq<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, theoretical: &[f64], sorted: &[f64]) -> DrawResult<DB> {
    let xr = padded(theoretical.iter().copied());
    let yr = padded(sorted.iter().copied());
    let mut chart = labelled_panel(
        area,
        ["theoretical quantiles", "deviance residuals"],
        Some("Q-Q Plot"),
        xr.clone(),
        yr.clone(),
    )?;
    points(&mut chart, theoretical, sorted)?;
    // abline(0, 1, col = 2), clipped to the panel.
    let (lo, hi) = (xr.start.max(yr.start), xr.end.min(yr.end));
    if lo < hi {
        chart.draw_series(LineSeries::new([(lo, lo), (hi, hi)], RED.stroke_width(1)))?;
    }
    Ok(())
}

fn scatter<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    labels: [&str; 2],
    main: &str,
    x: &[f64],
    y: &[f64],
) -> DrawResult<DB> {
    let mut chart = labelled_panel(
        area,
        labels,
        Some(main),
        padded(x.iter().copied()),
        padded(y.iter().copied()),
    )?;
    points(&mut chart, x, y)
}

fn histogram<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &ResidualPlots) -> DrawResult<DB> {
    let h = &p.histogram;
    let top = h.counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let mut chart = labelled_panel(
        area,
        ["Residuals", "Frequency"],
        Some("Histogram of residuals"),
        padded(h.breaks.iter().copied()),
        0.0..top * 1.04,
    )?;
    chart.draw_series(
        h.breaks
            .windows(2)
            .zip(&h.counts)
            .map(|(b, &c)| Rectangle::new([(b[0], 0.0), (b[1], c as f64)], BLACK.stroke_width(1))),
    )?;
    Ok(())
}
