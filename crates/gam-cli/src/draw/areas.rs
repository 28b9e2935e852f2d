//! A Markov random field drawn on its areas
//! ([`PlotKind::Areas`](gam::expert::report::plot::PlotKind)), as mgcv's
//! `polys.plot` draws it: each area filled with the colour of its value on
//! R's `heat.colors(101)` (red low, through orange and yellow, to pale
//! yellow high) over `range(pretty(values))`, outlined in black, holes left
//! white; the colour scale as a bar on the left, labelled with the pretty
//! values.
//!
//! Drawing order: areas by decreasing bounding-box area, so that an area
//! lying in another's hole (a lake in a county) is drawn after it. A ring
//! whose first vertex lies inside another ring of the same area is a hole
//! (one level of nesting, as maps have).

use gam::expert::report::plot::TermPlot;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{DrawResult, label_font, tick};

/// Colours on the scale (mgcv's `n.col + 1`).
const N_COL: usize = 101;

/// R's `hsv(h, s, v)` as 8-bit RGB.
fn hsv(h: f64, s: f64, v: f64) -> RGBColor {
    let h6 = (h * 6.0).rem_euclid(6.0);
    let i = h6.floor();
    let f = h6 - i;
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - s * f), v * (1.0 - s * (1.0 - f)));
    let (r, g, b) = match i as u8 {
        0 => (v, t, p),
        1 => (q, v, p),
        2 => (p, v, t),
        3 => (p, q, v),
        4 => (t, p, v),
        _ => (v, p, q),
    };
    let c = |x: f64| (255.0 * x + 0.5) as u8;
    RGBColor(c(r), c(g), c(b))
}

/// R's `heat.colors(n)`: `rainbow` from red to yellow, then yellows
/// fading towards white.
fn heat_colors(n: usize) -> Vec<RGBColor> {
    let j = n / 4;
    let i = n - j;
    let seq = |from: f64, to: f64, len: usize| -> Vec<f64> {
        (0..len)
            .map(|k| {
                if len == 1 {
                    from
                } else {
                    from + (to - from) * k as f64 / (len - 1) as f64
                }
            })
            .collect()
    };
    let mut out: Vec<RGBColor> = seq(0.0, 1.0 / 6.0, i).into_iter().map(|h| hsv(h, 1.0, 1.0)).collect();
    if j > 0 {
        let half = 1.0 / (2.0 * j as f64);
        out.extend(seq(1.0 - half, half, j).into_iter().map(|s| hsv(1.0 / 6.0, s, 1.0)));
    }
    out
}

/// The range of R's `pretty(c(lo, hi))` (`n = 5`): round limits covering `lo..hi`.
fn pretty_range(lo: f64, hi: f64) -> (f64, f64, f64) {
    let (h, h5, ndiv) = (1.5, 2.75, 5.0);
    let dx = hi - lo;
    let mut cell = lo.abs().max(hi.abs());
    let small = if dx == 0.0 && hi == 0.0 {
        cell = 1.0;
        true
    } else {
        let u = (1.0 + 1.0 / (1.0 + h)) * ndiv * f64::EPSILON;
        dx < cell * u * 3.0
    };
    if small {
        if cell > 10.0 {
            cell = 9.0 + cell / 10.0;
        }
        cell *= 0.75;
    } else {
        cell = dx / ndiv;
    }
    let cell = cell.max(f64::MIN_POSITIVE);
    let base = 10f64.powf(cell.log10().floor());
    let mut unit = base;
    if 2.0 * base - cell < h * (cell - unit) {
        unit = 2.0 * base;
        if 5.0 * base - cell < h5 * (cell - unit) {
            unit = 5.0 * base;
            if 10.0 * base - cell < h * (cell - unit) {
                unit = 10.0 * base;
            }
        }
    }
    let eps = 1e-10;
    let mut ns = (lo / unit + eps).floor();
    let mut nu = (hi / unit - eps).ceil();
    while ns * unit > lo + eps * unit {
        ns -= 1.0;
    }
    while nu * unit < hi - eps * unit {
        nu += 1.0;
    }
    if nu - ns < 1.0 {
        // min.n = 1
        if ns >= 0.0 {
            ns -= 1.0;
        } else {
            nu += 1.0;
        }
    }
    ((ns * unit).min(lo), (nu * unit).max(hi), unit)
}

/// Whether `p` is inside the ring (even-odd rule).
fn inside(p: [f64; 2], ring: &[[f64; 2]]) -> bool {
    let mut ins = false;
    let mut j = ring.len() - 1;
    for i in 0..ring.len() {
        let (a, b) = (ring[i], ring[j]);
        if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0] {
            ins = !ins;
        }
        j = i;
    }
    ins
}

/// The bounding box `[xlo, xhi, ylo, yhi]` of some rings.
fn bounds<'a>(rings: impl Iterator<Item = &'a Vec<[f64; 2]>>) -> [f64; 4] {
    let mut b = [f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY];
    for p in rings.flatten() {
        b = [b[0].min(p[0]), b[1].max(p[0]), b[2].min(p[1]), b[3].max(p[1])];
    }
    b
}

/// The map of an MRF term.
pub(super) fn area_map<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, t: &TermPlot) -> DrawResult<DB> {
    let Some(polys) = &t.polygons else { return Ok(()) };
    let [xlo, xhi, ylo, yhi] = bounds(polys.iter().flatten());
    if !(xlo.is_finite() && ylo.is_finite()) || polys.len() != t.fit.len() {
        return Ok(());
    }
    let (zmin, zmax) = t
        .fit
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let (zlo, zhi, unit) = if zmin.is_finite() {
        pretty_range(zmin, zmax)
    } else {
        (0.0, 1.0, 0.2)
    };
    let scheme = heat_colors(N_COL);
    let colour = |z: f64| -> RGBColor {
        let k = ((z - zlo) / (zhi - zlo) * (N_COL - 1) as f64).round_ties_even();
        if k.is_finite() {
            scheme[(k.max(0.0) as usize).min(N_COL - 1)]
        } else {
            WHITE
        }
    };
    // Room on the left for the scale, as polys.plot makes it.
    let (w, h) = ((xhi - xlo).max(f64::MIN_POSITIVE), (yhi - ylo).max(f64::MIN_POSITIVE));
    let left = xlo - 0.1 * w;
    let mut builder = ChartBuilder::on(area);
    if let Some(main) = &t.main {
        builder.caption(main, label_font());
    }
    let mut chart = builder
        .margin(12)
        .build_cartesian_2d((left - 0.02 * w)..(xhi + 0.02 * w), (ylo - 0.02 * h)..(yhi + 0.02 * h))?;
    let mut order: Vec<usize> = (0..polys.len()).collect();
    let size = |a: usize| {
        let b = bounds(polys[a].iter());
        (b[1] - b[0]) * (b[3] - b[2])
    };
    order.sort_by(|&a, &b| size(b).total_cmp(&size(a)));
    let pts = |ring: &[[f64; 2]]| ring.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>();
    for a in order {
        let rings = &polys[a];
        let hole = |r: usize| (0..rings.len()).any(|o| o != r && inside(rings[r][0], &rings[o]));
        let fill = colour(t.fit[a]);
        for (r, ring) in rings.iter().enumerate() {
            if !hole(r) {
                chart.draw_series(std::iter::once(Polygon::new(pts(ring), fill.filled())))?;
            }
        }
        for (r, ring) in rings.iter().enumerate() {
            if hole(r) {
                chart.draw_series(std::iter::once(Polygon::new(pts(ring), WHITE.filled())))?;
            }
        }
        for ring in rings {
            let mut line = pts(ring);
            line.push(line[0]);
            chart.draw_series(std::iter::once(PathElement::new(line, BLACK.stroke_width(1))))?;
        }
    }
    // The scale: N_COL - 1 bands from zlo (bottom) to zhi (top), as polys.plot draws it.
    let (x0, x1) = (left, left + 0.05 * (xhi - left));
    let to_y = |z: f64| ylo + (z - zlo) / (zhi - zlo) * h;
    let bands = N_COL - 1;
    chart.draw_series((0..bands).map(|i| {
        let (y0, y1) = (
            ylo + h * i as f64 / bands as f64,
            ylo + h * (i + 1) as f64 / bands as f64,
        );
        Rectangle::new([(x0, y0), (x1, y1)], scheme[i].filled())
    }))?;
    chart.draw_series(std::iter::once(Rectangle::new(
        [(x0, ylo), (x1, yhi)],
        BLACK.stroke_width(1),
    )))?;
    let steps = ((zhi - zlo) / unit).round() as usize;
    chart.draw_series((0..=steps.min(20)).map(|i| {
        let z = zlo + unit * i as f64;
        Text::new(tick(&z), (x1 + 0.01 * w, to_y(z)), ("sans-serif", 10).into_font())
    }))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_colours_are_r_s() {
        // R: t(col2rgb(heat.colors(101)[c(1, 2, 76, 77, 101)])).
        let c = heat_colors(101);
        assert_eq!(c.len(), 101);
        assert_eq!((c[0].0, c[0].1, c[0].2), (255, 0, 0));
        assert_eq!((c[1].0, c[1].1, c[1].2), (255, 3, 0));
        assert_eq!((c[75].0, c[75].1), (255, 255));
        assert_eq!((c[76].0, c[76].1, c[76].2), (255, 255, 5));
        assert_eq!((c[100].0, c[100].1, c[100].2), (255, 255, 250));
    }

    #[test]
    fn pretty_ranges_are_r_s() {
        // R: range(pretty(c(-0.93, 1.07))) = -1 1.5; range(pretty(c(0.12, 0.87))) = 0 1;
        // pretty(c(3, 3)) = 2 4; range(pretty(c(-2.3, 0.4))) = -2.5 0.5.
        let (lo, hi, _) = pretty_range(-0.93, 1.07);
        assert!((lo + 1.0).abs() < 1e-12 && (hi - 1.5).abs() < 1e-12, "{lo} {hi}");
        let (lo, hi, _) = pretty_range(0.12, 0.87);
        assert!(lo.abs() < 1e-12 && (hi - 1.0).abs() < 1e-12, "{lo} {hi}");
        for ((a, b), (lo_r, hi_r)) in [((3.0, 3.0), (2.0, 4.0)), ((-2.3, 0.4), (-2.5, 0.5))] {
            let (lo, hi, _) = pretty_range(a, b);
            assert!((lo - lo_r).abs() < 1e-12 && (hi - hi_r).abs() < 1e-12, "{lo} {hi}");
        }
    }

    #[test]
    fn a_ring_inside_another_is_a_hole() {
        let outer = [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0]];
        assert!(inside([1.0, 1.0], &outer) && !inside([5.0, 1.0], &outer));
    }
}
