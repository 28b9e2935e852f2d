//! Pictures of plot data ([`gam::TermPlot`], computed by the library) with
//! plotters, as SVG or PNG: the front end only draws.
//!
//! Panels as mgcv's `plot.gam` draws them: a curve with its band (dashed,
//! or shaded with `--shade`), a rug of the training values and optionally
//! the partial residuals; a surface as a heat map (red low, yellow high,
//! excluded grid cells left blank) with labelled contours and the training
//! points; a random
//! effect as a normal QQ plot with R's `qqline`; a Markov random field as a
//! map of its areas coloured by value (`areas`). Text uses DejaVu Sans,
//! embedded in the binary (`assets/`, its licence beside it), so pictures
//! render the same on a machine without fonts.
//!
//! Files are written whole to a temporary file in the destination's
//! directory, synced and renamed over it.

use std::path::Path;

use anyhow::{Context, Result, bail};
use gam::expert::report::plot::{PlotKind, TermPlot, normal_qq};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

mod areas;
pub mod check;
mod levels;
mod slices;
mod termplot;

use areas::area_map;
use levels::level_curves;
use slices::slices;
use termplot::parametric;

/// DejaVu Sans (Bitstream Vera licence: `assets/DejaVuSans-LICENSE.txt`).
static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// One panel's size in pixels.
const PANEL: (u32, u32) = (480, 420);

/// How panels are drawn.
#[derive(Debug, Clone, Copy, Default)]
pub struct DrawOptions {
    /// Show the partial residuals.
    pub residuals: bool,
    /// A shaded band instead of dashed lines.
    pub shade: bool,
    /// The y range shared by every curve (mgcv's `scale = -1`); None: each its own.
    pub ylim: Option<[f64; 2]>,
}

/// mgcv's rows and columns for `n` panels on one page.
pub fn layout(n: usize) -> (usize, usize) {
    let mut c = ((n as f64).sqrt().trunc() as usize).max(1);
    let mut r = c;
    if c * r < n {
        c += 1;
    }
    if c * r < n {
        r += 1;
    }
    (r, c)
}

/// Draws `terms` on one page at `path` (`.svg` or `.png`).
pub fn draw_page(terms: &[&TermPlot], path: &Path, opts: DrawOptions) -> Result<()> {
    let (rows, cols) = layout(terms.len());
    render(
        path,
        (rows, cols),
        &TermPanels {
            terms,
            rows,
            cols,
            opts,
        },
    )
}

/// What draws one picture, on whichever backend the file's type asks for.
pub trait Painter {
    /// Draws everything on `root` (already sized).
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>;
}

/// Draws a picture of `rows` × `cols` panels with `painter` and writes it to
/// `path`, whose extension (`.svg` or `.png`) chooses the format.
pub fn render(path: &Path, (rows, cols): (usize, usize), painter: &impl Painter) -> Result<()> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| anyhow::anyhow!("the embedded font does not load"))?;
    let size = (PANEL.0 * cols as u32, PANEL.1 * rows as u32);
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let bytes = match ext.as_deref() {
        Some("svg") => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
                painter.paint(&root)?;
                root.present().map_err(|e| anyhow::anyhow!("drawing: {e}"))?;
            }
            text.into_bytes()
        }
        Some("png") => {
            let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
                painter.paint(&root)?;
                root.present().map_err(|e| anyhow::anyhow!("drawing: {e}"))?;
            }
            encode_png(&rgb, size)?
        }
        _ => bail!("{}: name the picture .svg or .png", path.display()),
    };
    gam::expert::files::write_atomically(path, |w| w.write_all(&bytes))
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The panels of smooth terms, as `plot.gam` lays them out.
struct TermPanels<'a> {
    terms: &'a [&'a TermPlot],
    rows: usize,
    cols: usize,
    opts: DrawOptions,
}

impl Painter for TermPanels<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        draw_panels(root, self.terms, self.rows, self.cols, self.opts)
    }
}

fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
    }
    Ok(out)
}

fn draw_panels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    terms: &[&TermPlot],
    rows: usize,
    cols: usize,
    opts: DrawOptions,
) -> Result<()> {
    root.fill(&WHITE).map_err(|e| anyhow::anyhow!("drawing: {e}"))?;
    let areas = root.split_evenly((rows, cols));
    for (area, t) in areas.iter().zip(terms) {
        let drawn = match t.kind {
            PlotKind::Curve => curve(area, t, opts),
            PlotKind::Surface => surface(area, t),
            PlotKind::RandomEffect => random_effect(area, t),
            PlotKind::Parametric => parametric(area, t),
            PlotKind::Slices => slices(area, t),
            PlotKind::LevelCurves => level_curves(area, t),
            PlotKind::Areas => area_map(area, t),
            _ => Ok(()),
        };
        drawn.map_err(|e| anyhow::anyhow!("drawing {}: {e}", t.label))?;
    }
    Ok(())
}

pub type DrawResult<DB> = std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// The range of the finite values among `vs`, widened by 4% each side
/// (R's default axis range), and by 1 when all are equal.
pub fn padded(vs: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = vs
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    let pad = if hi > lo { 0.04 * (hi - lo) } else { 1.0 };
    (lo - pad)..(hi + pad)
}

/// A tick label as R writes it: no trailing zeros (`100`, `-0.5`, `2.5e-05`).
fn tick(v: &f64) -> String {
    if v.abs() < 1e-12 {
        return "0".into();
    }
    let s = format!("{:.6}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s == "0" || s.is_empty() {
        format!("{v:.1e}")
    } else {
        s.to_string()
    }
}

fn label_font() -> TextStyle<'static> {
    ("sans-serif", 15).into_font().into()
}

/// A panel's chart: axes over `xr` × `yr` labelled with the term's `xlab`
/// and `ylab`, R-style ticks, no grid, and the term's title if it has one.
fn panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    t: &TermPlot,
    xr: std::ops::Range<f64>,
    yr: std::ops::Range<f64>,
) -> std::result::Result<Chart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    labelled_panel(area, [t.xlab.as_str(), t.ylab.as_str()], t.main.as_deref(), xr, yr)
}

/// A panel's chart with axis labels `[x, y]` and an optional title.
pub fn labelled_panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    [xlab, ylab]: [&str; 2],
    main: Option<&str>,
    xr: std::ops::Range<f64>,
    yr: std::ops::Range<f64>,
) -> std::result::Result<Chart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let mut builder = ChartBuilder::on(area);
    if let Some(main) = main {
        builder.caption(main, label_font());
    }
    let mut chart = builder
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(60)
        .build_cartesian_2d(xr, yr)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(xlab)
        .y_desc(ylab)
        .axis_desc_style(label_font())
        .label_style(("sans-serif", 12))
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .draw()?;
    Ok(chart)
}

/// A panel's chart context.
pub type Chart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>>;

fn curve<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, t: &TermPlot, opts: DrawOptions) -> DrawResult<DB> {
    let se = t.se.clone().unwrap_or_else(|| vec![0.0; t.fit.len()]);
    let lo: Vec<f64> = t.fit.iter().zip(&se).map(|(f, s)| f - s).collect();
    let hi: Vec<f64> = t.fit.iter().zip(&se).map(|(f, s)| f + s).collect();
    let resid = t.p_resid.as_deref().filter(|_| opts.residuals);
    let yr = match opts.ylim {
        Some([a, b]) => padded([a, b].into_iter()),
        None => padded(lo.iter().chain(&hi).chain(resid.unwrap_or(&[])).copied()),
    };
    let xr = padded(t.x.iter().copied());
    let mut chart = panel(area, t, xr, yr.clone())?;
    let pts = |v: &[f64]| t.x.iter().copied().zip(v.iter().copied()).collect::<Vec<_>>();
    if t.se_mult == 0.0 {
        // `--se 0`: no band, as mgcv's se = FALSE.
    } else if opts.shade {
        let mut band = pts(&hi);
        band.extend(pts(&lo).into_iter().rev());
        chart.draw_series(std::iter::once(Polygon::new(band, RGBColor(217, 217, 217).filled())))?;
    } else {
        for edge in [&lo, &hi] {
            chart.draw_series(DashedLineSeries::new(pts(edge), 6, 4, BLACK.stroke_width(1)))?;
        }
    }
    chart.draw_series(LineSeries::new(pts(&t.fit), BLACK.stroke_width(2)))?;
    if let (Some(r), Some(raw)) = (resid, t.raw.first()) {
        chart.draw_series(
            raw.iter()
                .zip(r)
                .map(|(&x, &y)| Circle::new((x, y), 2, RGBColor(120, 120, 120).filled())),
        )?;
    }
    if let Some(raw) = t.raw.first() {
        let tick = 0.03 * (yr.end - yr.start);
        chart.draw_series(
            raw.iter()
                .map(|&x| PathElement::new(vec![(x, yr.start), (x, yr.start + tick)], BLACK.stroke_width(1))),
        )?;
    }
    Ok(())
}

/// mgcv's `heat.colors`-like ramp: dark red (0) through orange to pale yellow (1).
fn heat(v: f64) -> RGBColor {
    let v = v.clamp(0.0, 1.0);
    let stops = [
        (0.0, (178.0, 0.0, 0.0)),
        (0.5, (255.0, 128.0, 0.0)),
        (1.0, (255.0, 255.0, 170.0)),
    ];
    let (a, b) = if v <= 0.5 {
        (stops[0], stops[1])
    } else {
        (stops[1], stops[2])
    };
    let f = (v - a.0) / (b.0 - a.0);
    let mix = |p: f64, q: f64| (p + f * (q - p)).round() as u8;
    RGBColor(mix(a.1.0, b.1.0), mix(a.1.1, b.1.1), mix(a.1.2, b.1.2))
}

fn surface<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, t: &TermPlot) -> DrawResult<DB> {
    let (xs, ys) = (&t.x, t.y.as_deref().unwrap_or(&[]));
    let (nx, ny) = (xs.len(), ys.len());
    let half = |v: &[f64]| if v.len() > 1 { (v[1] - v[0]) / 2.0 } else { 0.5 };
    let (hx, hy) = (half(xs), half(ys));
    let xr = (xs[0] - hx)..(xs[nx - 1] + hx);
    let yr = (ys[0] - hy)..(ys[ny - 1] + hy);
    let mut chart = panel(area, t, xr, yr)?;
    let range = padded(t.fit.iter().copied());
    let cells = (0..ny).flat_map(|j| (0..nx).map(move |i| (i, j))).filter_map(|(i, j)| {
        let f = t.fit[i + j * nx];
        f.is_finite().then(|| {
            let c = heat((f - range.start) / (range.end - range.start));
            Rectangle::new([(xs[i] - hx, ys[j] - hy), (xs[i] + hx, ys[j] + hy)], c.filled())
        })
    });
    chart.draw_series(cells)?;
    if let [rx, ry] = t.raw.as_slice() {
        chart.draw_series(
            rx.iter()
                .zip(ry)
                .map(|(&x, &y)| Circle::new((x, y), 1, RGBColor(60, 60, 60).filled())),
        )?;
    }
    for (level, lines) in contour_lines(&t.fit, xs, ys) {
        for line in &lines {
            chart.draw_series(std::iter::once(PathElement::new(line.clone(), BLUE.stroke_width(1))))?;
        }
        // mgcv's contour() labels each level once, on its longest line.
        if let Some(longest) = lines.iter().max_by_key(|l| l.len()) {
            let at = longest[longest.len() / 2];
            chart.draw_series(std::iter::once(Text::new(
                tick(&level),
                at,
                ("sans-serif", 11).into_font(),
            )))?;
        }
    }
    Ok(())
}

/// A contour line's points in data coordinates.
type Polyline = Vec<(f64, f64)>;

/// R's `pretty(range, 10)`-like contour levels: a step of 1, 2 or 5 times a
/// power of ten giving about ten levels inside `lo..hi`.
fn levels(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return Vec::new();
    }
    let raw = (hi - lo) / 10.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Contour lines of a surface's grid values (`xs.len() × ys.len()`, x
/// fastest), as polylines in data coordinates per level: marching squares
/// (the `contour` crate) on the grid, each value at its grid point; pieces
/// next to an excluded (NaN) point or along the grid's edge are left out.
fn contour_lines(fit: &[f64], xs: &[f64], ys: &[f64]) -> Vec<(f64, Vec<Polyline>)> {
    let (nx, ny) = (xs.len(), ys.len());
    if nx < 2 || ny < 2 || fit.len() != nx * ny {
        return Vec::new();
    }
    let (lo, hi) = fit
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let thresholds = levels(lo, hi);
    let Ok(lines) = contour::ContourBuilder::new(nx, ny, true).lines(fit, &thresholds) else {
        return Vec::new();
    };
    let (dx, dy) = (
        (xs[nx - 1] - xs[0]) / (nx - 1) as f64,
        (ys[ny - 1] - ys[0]) / (ny - 1) as f64,
    );
    // The grid value (i, j) sits at (i + 0.5, j + 0.5) in the crate's coordinates.
    let value_ok = |px: f64, py: f64| {
        let i0 = (px - 0.5).floor().clamp(0.0, (nx - 1) as f64) as usize;
        let j0 = (py - 0.5).floor().clamp(0.0, (ny - 1) as f64) as usize;
        let inside = px > 0.5 && px < nx as f64 - 0.5 && py > 0.5 && py < ny as f64 - 0.5;
        inside
            && [
                (i0, j0),
                ((i0 + 1).min(nx - 1), j0),
                (i0, (j0 + 1).min(ny - 1)),
                ((i0 + 1).min(nx - 1), (j0 + 1).min(ny - 1)),
            ]
            .iter()
            .all(|&(i, j)| fit[i + j * nx].is_finite())
    };
    let to_data = |px: f64, py: f64| (xs[0] + (px - 0.5) * dx, ys[0] + (py - 0.5) * dy);
    lines
        .into_iter()
        .map(|line| {
            let level = line.threshold();
            let mut pieces = Vec::new();
            for ring in &line.geometry().0 {
                let mut piece: Vec<(f64, f64)> = Vec::new();
                for p in &ring.0 {
                    if value_ok(p.x, p.y) {
                        piece.push(to_data(p.x, p.y));
                    } else if piece.len() > 1 {
                        pieces.push(std::mem::take(&mut piece));
                    } else {
                        piece.clear();
                    }
                }
                if piece.len() > 1 {
                    pieces.push(piece);
                }
            }
            (level, pieces)
        })
        .collect()
}

fn random_effect<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, t: &TermPlot) -> DrawResult<DB> {
    let qq = normal_qq(&t.fit);
    let xr = padded(qq.theoretical.iter().copied());
    let yr = padded(qq.sample.iter().copied());
    let mut chart = panel(area, t, xr.clone(), yr)?;
    chart.draw_series(
        qq.theoretical
            .iter()
            .zip(&qq.sample)
            .map(|(&x, &y)| Circle::new((x, y), 3, BLACK.stroke_width(1))),
    )?;
    if let Some((a, b)) = qq.line {
        chart.draw_series(LineSeries::new(
            [xr.start, xr.end].map(|x| (x, a + b * x)),
            BLACK.stroke_width(1),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_are_laid_out_as_mgcv_lays_them_out() {
        assert_eq!(layout(1), (1, 1));
        assert_eq!(layout(2), (1, 2));
        assert_eq!(layout(3), (2, 2));
        assert_eq!(layout(5), (2, 3));
        assert_eq!(layout(10), (3, 4));
    }

    #[test]
    fn contour_levels_are_round_numbers_inside_the_range() {
        let got = levels(-0.93, 1.07);
        let want = [-0.8, -0.6, -0.4, -0.2, 0.0, 0.2, 0.4, 0.6, 0.8, 1.0];
        assert_eq!(got.len(), want.len());
        assert!(got.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12), "{got:?}");
        assert_eq!(levels(0.0, 10.0).len(), 11);
        assert!(levels(1.0, 1.0).is_empty() && levels(f64::NAN, 1.0).is_empty());
    }

    #[test]
    fn ticks_drop_trailing_zeros() {
        assert_eq!(tick(&100.0), "100");
        assert_eq!(tick(&-0.5), "-0.5");
        assert_eq!(tick(&0.0), "0");
        assert_eq!(tick(&2.5e-8), "2.5e-8");
    }

    #[test]
    fn a_contour_of_a_plane_is_a_straight_line_away_from_excluded_points() {
        let xs: Vec<f64> = (0..10).map(f64::from).collect();
        let ys = xs.clone();
        let mut fit: Vec<f64> = (0..100).map(|k| f64::from(k % 10)).collect();
        let lines = contour_lines(&fit, &xs, &ys);
        let (_, at_4) = lines.iter().find(|(l, _)| *l == 4.0).expect("a level at 4");
        assert!(at_4.iter().flatten().all(|&(x, _)| (x - 4.0).abs() < 1e-9), "{at_4:?}");
        fit[4 + 5 * 10] = f64::NAN;
        let lines = contour_lines(&fit, &xs, &ys);
        let (_, at_4) = lines.iter().find(|(l, _)| *l == 4.0).unwrap();
        assert!(at_4.iter().flatten().all(|&(_, y)| (y - 5.0).abs() >= 0.5), "{at_4:?}");
    }
}
