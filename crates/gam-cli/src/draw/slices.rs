//! A smooth of three or four covariates ([`PlotKind::Slices`](gam::expert::report::plot::PlotKind)):
//! mgcv's grid of image panels, one colour scale for all.

use gam::expert::report::plot::TermPlot;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{DrawResult, heat, label_font, padded, tick};

/// `x` to 3 significant digits, for a panel's title.
fn signif3(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let m = 10f64.powi(2 - x.abs().log10().floor() as i32);
    (x * m).round() / m
}

/// A smooth of three or four covariates as mgcv draws it: a grid of image
/// panels over the first two covariates, one colour scale for all, each
/// panel titled with the values held fixed in it.
pub(super) fn slices<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, t: &TermPlot) -> DrawResult<DB> {
    let Some(g) = &t.slices else { return Ok(()) };
    let (xs, ys) = (&t.x, t.y.as_deref().unwrap_or(&[]));
    let (nx, ny) = (xs.len(), ys.len());
    if nx < 2 || ny < 2 {
        return Ok(());
    }
    let range = padded(t.fit.iter().copied());
    let area = match &t.main {
        Some(main) => area.titled(main, label_font())?,
        None => area.clone(),
    };
    let panels = area.split_evenly((g.rows, g.cols));
    let (hx, hy) = ((xs[1] - xs[0]) / 2.0, (ys[1] - ys[0]) / 2.0);
    for (k, (p, fixed)) in panels.iter().zip(&g.values).enumerate() {
        let title: Vec<String> = g.vars[2..]
            .iter()
            .zip(fixed)
            .map(|(v, x)| format!("{v}={}", tick(&signif3(*x))))
            .collect();
        let mut chart = ChartBuilder::on(p)
            .caption(title.join(", "), ("sans-serif", 10))
            .margin(2)
            .x_label_area_size(14)
            .y_label_area_size(22)
            .build_cartesian_2d((xs[0] - hx)..(xs[nx - 1] + hx), (ys[0] - hy)..(ys[ny - 1] + hy))?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(3)
            .y_labels(3)
            .label_style(("sans-serif", 9))
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .draw()?;
        let fit = &t.fit[k * nx * ny..(k + 1) * nx * ny];
        chart.draw_series((0..ny).flat_map(|j| (0..nx).map(move |i| (i, j))).filter_map(|(i, j)| {
            let f = fit[i + j * nx];
            f.is_finite().then(|| {
                let c = heat((f - range.start) / (range.end - range.start));
                Rectangle::new([(xs[i] - hx, ys[j] - hy), (xs[i] + hx, ys[j] + hy)], c.filled())
            })
        }))?;
    }
    Ok(())
}
