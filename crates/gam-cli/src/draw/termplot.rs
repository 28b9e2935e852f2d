//! A parametric term as R's `termplot` draws it (`gam plot --all-terms`).

use gam::expert::report::plot::TermPlot;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{DrawResult, label_font, padded, panel, tick};

/// A parametric term as `termplot` draws it: the contribution against the
/// variable with dashed lines at ±2 standard errors and a rug, or for a
/// factor a segment per level (at 1, 2, ... ± 0.4, labelled with the level).
pub(super) fn parametric<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, t: &TermPlot) -> DrawResult<DB> {
    let se = t.se.clone().unwrap_or_else(|| vec![0.0; t.fit.len()]);
    let lo: Vec<f64> = t.fit.iter().zip(&se).map(|(f, s)| f - s).collect();
    let hi: Vec<f64> = t.fit.iter().zip(&se).map(|(f, s)| f + s).collect();
    let yr = padded(lo.iter().chain(&hi).copied());
    let dashed = |pts: Vec<(f64, f64)>| DashedLineSeries::new(pts, 6, 4, BLACK.stroke_width(1));
    match &t.levels {
        Some(levels) => {
            let xr = 0.5..(levels.len() as f64 + 0.5);
            let name = |v: &f64| {
                let i = v.round();
                if (v - i).abs() < 1e-9 && i >= 1.0 {
                    levels.get(i as usize - 1).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            };
            let mut builder = ChartBuilder::on(area);
            if let Some(main) = &t.main {
                builder.caption(main.as_str(), label_font());
            }
            let mut chart = builder
                .margin(12)
                .x_label_area_size(42)
                .y_label_area_size(60)
                .build_cartesian_2d(xr, yr)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc(t.xlab.as_str())
                .y_desc(t.ylab.as_str())
                .axis_desc_style(label_font())
                .label_style(("sans-serif", 12))
                .x_labels(levels.len() * 2 + 1)
                .x_label_formatter(&name)
                .y_label_formatter(&tick)
                .draw()?;
            for (j, &x) in t.x.iter().enumerate() {
                let seg = |v: f64| vec![(x - 0.4, v), (x + 0.4, v)];
                chart.draw_series(LineSeries::new(seg(t.fit[j]), BLACK.stroke_width(2)))?;
                chart.draw_series(dashed(seg(lo[j])))?;
                chart.draw_series(dashed(seg(hi[j])))?;
            }
        }
        None => {
            let mut chart = panel(area, t, padded(t.x.iter().copied()), yr.clone())?;
            let pts = |v: &[f64]| t.x.iter().copied().zip(v.iter().copied()).collect::<Vec<_>>();
            chart.draw_series(LineSeries::new(pts(&t.fit), BLACK.stroke_width(2)))?;
            chart.draw_series(dashed(pts(&lo)))?;
            chart.draw_series(dashed(pts(&hi)))?;
            if let Some(raw) = t.raw.first() {
                let tick = 0.03 * (yr.end - yr.start);
                chart
                    .draw_series(raw.iter().map(|&x| {
                        PathElement::new(vec![(x, yr.start), (x, yr.start + tick)], BLACK.stroke_width(1))
                    }))?;
            }
        }
    }
    Ok(())
}
