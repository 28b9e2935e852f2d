"""Drawing mgcv's ``plot.gam`` panels with matplotlib, from the plot data the
engine computes (``GAM.plot_data``): nothing here computes a number that
``gam plot --json`` does not print, it only draws them.

- a curve: the fit, its band of ``se_mult`` standard errors (dashed, or
  shaded with ``shade=True``), a rug of the training values, and with
  ``residuals=True`` the partial residuals;
- a surface: contours of the fit (labelled), of fit − se (dashed) and
  fit + se (dotted), the training points, excluded grid points left blank;
- a random effect: a normal QQ plot of the predicted effects with R's
  ``qqline``;
- a smooth of three or four covariates: its grid of panels tiled into one
  image, each titled with the values held fixed;
- a parametric term (``all_terms``): R's ``termplot``, a line with dashed
  lines at ±2 standard errors and a rug, or a segment per factor level;
- a Markov random field whose neighbourhood file gives polygons: a map, each
  area filled by its value (red low, yellow high, as mgcv's ``polys.plot``),
  holes left white, with a colour bar.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

import numpy as np

_NUMBERS = ("x", "y", "fit", "se", "p_resid")


def term_arrays(term: dict[str, Any]) -> dict[str, Any]:
    """A term of ``gam plot --json`` with its numbers as float arrays (null → NaN)."""
    out = dict(term)
    for key in _NUMBERS:
        if out.get(key) is not None:
            out[key] = np.array([np.nan if v is None else v for v in out[key]], dtype=np.float64)
    out["raw"] = [np.asarray(r, dtype=np.float64) for r in out.get("raw", [])]
    if out.get("exclude") is not None:
        out["exclude"] = np.asarray(out["exclude"], dtype=bool)
    return out


def _layout(n: int) -> tuple[int, int]:
    """mgcv's rows and columns for ``n`` panels on one page."""
    c = r = max(1, math.trunc(math.sqrt(n)))
    if c * r < n:
        c += 1
    if c * r < n:
        r += 1
    return r, c


def _ppoints(n: int) -> np.ndarray:
    """R's ``ppoints(n)``."""
    a = 3 / 8 if n <= 10 else 1 / 2
    return (np.arange(1, n + 1) - a) / (n + 1 - 2 * a)


def _curve(ax: Any, t: dict[str, Any], residuals: bool, shade: bool, ylim: Any = None) -> None:
    x, fit, se = t["x"], t["fit"], t["se"]
    if ylim is not None:
        pad = 0.04 * (ylim[1] - ylim[0])
        ax.set_ylim(ylim[0] - pad, ylim[1] + pad)
    lo, hi = fit - se, fit + se
    if shade:
        ax.fill_between(x, lo, hi, color="0.85", linewidth=0)
    else:
        ax.plot(x, lo, "k--", linewidth=0.8)
        ax.plot(x, hi, "k--", linewidth=0.8)
    ax.plot(x, fit, "k-", linewidth=1.2)
    raw = t["raw"][0] if t["raw"] else np.empty(0)
    if residuals and t.get("p_resid") is not None:
        ax.plot(raw, t["p_resid"], ".", color="0.35", markersize=2.5)
    if raw.size:
        bottom = ax.get_ylim()[0]
        ax.plot(raw, np.full(raw.shape, bottom), "|", color="k", markersize=6, alpha=0.6)
        ax.set_ylim(bottom=bottom)
    ax.set_xlabel(t["xlab"])
    ax.set_ylabel(t["ylab"])


def _surface(ax: Any, t: dict[str, Any]) -> None:
    x, y = t["x"], t["y"]
    shape = (len(y), len(x))  # x varies fastest in the grid
    fit = np.ma.masked_invalid(t["fit"].reshape(shape))
    se = np.ma.masked_invalid(t["se"].reshape(shape))
    cs = ax.contour(x, y, fit, colors="k", linewidths=1.0)
    ax.clabel(cs, fontsize=7)
    ax.contour(x, y, fit - se, levels=cs.levels, colors="C3", linestyles="dashed", linewidths=0.7)
    ax.contour(x, y, fit + se, levels=cs.levels, colors="C2", linestyles="dotted", linewidths=0.7)
    if len(t["raw"]) == 2:
        ax.plot(t["raw"][0], t["raw"][1], ".", color="0.5", markersize=1.5)
    ax.set_xlabel(t["xlab"])
    ax.set_ylabel(t["ylab"])
    ax.set_title(t.get("main") or "", fontsize=10)


def _level_curves(ax: Any, t: dict[str, Any]) -> None:
    """An fs/sz term: every level's curve in one panel (sz curves with a shaded band)."""
    x = np.asarray(t["x"])
    n = len(x)
    fit = np.asarray(t["fit"]).reshape(-1, n)
    se = t.get("se")
    se = None if se is None else np.asarray(se).reshape(-1, n)
    for i, name in enumerate(t.get("levels") or [str(i + 1) for i in range(len(fit))]):
        (line,) = ax.plot(x, fit[i], linewidth=1.2, label=name)
        if se is not None:
            ax.fill_between(x, fit[i] - se[i], fit[i] + se[i], color=line.get_color(), alpha=0.2, linewidth=0)
    ax.legend(fontsize=7)
    ax.set_xlabel(t["xlab"])
    ax.set_ylabel(t["ylab"])


def _random_effect(ax: Any, t: dict[str, Any]) -> None:
    b = np.sort(t["fit"])
    q = np.array([NormalDist().inv_cdf(p) for p in _ppoints(len(b))])
    ax.plot(q, b, "o", markerfacecolor="none", markeredgecolor="k", markersize=4)
    if len(b) >= 2:
        # R's qqline: through the quartiles of the effects and of the normal.
        y25, y75 = np.quantile(b, [0.25, 0.75])
        x25, x75 = NormalDist().inv_cdf(0.25), NormalDist().inv_cdf(0.75)
        slope = (y75 - y25) / (x75 - x25)
        ax.axline((x25, y25), slope=slope, color="k", linewidth=0.8)
    ax.set_xlabel(t["xlab"])
    ax.set_ylabel(t["ylab"])
    ax.set_title(t.get("main") or "", fontsize=10)


def _slices(ax: Any, t: dict[str, Any]) -> None:
    """A smooth of 3 or 4 covariates: its panels tiled into one image, each titled with the fixed values."""
    g = t["slices"]
    nx, ny = len(t["x"]), len(t["y"])
    rows, cols = g["rows"], g["cols"]
    fit = np.asarray(t["fit"], dtype=np.float64)
    mosaic = np.full((rows * (ny + 2), cols * (nx + 2)), np.nan)
    for k, fixed in enumerate(g["values"]):
        r, c = divmod(k, cols)
        panel = fit[k * nx * ny:(k + 1) * nx * ny].reshape(ny, nx)
        top = (rows - 1 - r) * (ny + 2)  # panel row 0 at the top, as mgcv draws it
        mosaic[top:top + ny, c * (nx + 2):c * (nx + 2) + nx] = panel[::-1]
        label = ", ".join(f"{v}={x:.3g}" for v, x in zip(g["vars"][2:], fixed))
        ax.text(c * (nx + 2) + nx / 2, top - 0.5, label, ha="center", va="bottom", fontsize=6)
    ax.imshow(mosaic, cmap="YlOrRd_r", interpolation="nearest", aspect="auto")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(f"{t['xlab']} (across each panel)")
    ax.set_ylabel(t["ylab"])
    ax.set_title(t.get("main") or "", fontsize=10)


def _parametric(ax: Any, t: dict[str, Any]) -> None:
    x, fit, se = t["x"], t["fit"], t["se"]
    levels = t.get("levels")
    if levels is not None:
        for xi, f, s in zip(x, fit, se):
            ax.plot([xi - 0.4, xi + 0.4], [f, f], "k-", linewidth=1.2)
            ax.plot([xi - 0.4, xi + 0.4], [f - s, f - s], "k--", linewidth=0.8)
            ax.plot([xi - 0.4, xi + 0.4], [f + s, f + s], "k--", linewidth=0.8)
        ax.set_xticks(list(x))
        ax.set_xticklabels(levels)
        ax.set_xlim(0.5, len(levels) + 0.5)
    else:
        ax.plot(x, fit, "k-", linewidth=1.2)
        ax.plot(x, fit - se, "k--", linewidth=0.8)
        ax.plot(x, fit + se, "k--", linewidth=0.8)
        raw = t["raw"][0] if t["raw"] else np.empty(0)
        if raw.size:
            bottom = ax.get_ylim()[0]
            ax.plot(raw, np.full(raw.shape, bottom), "|", color="k", markersize=6, alpha=0.6)
            ax.set_ylim(bottom=bottom)
    ax.set_xlabel(t["xlab"])
    ax.set_ylabel(t["ylab"])
    ax.set_title(t.get("main") or "", fontsize=10)


def _areas(ax: Any, t: dict[str, Any]) -> None:
    """An MRF term: its areas' polygons filled by value (rings even-odd, so holes stay white)."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    fit = np.asarray(t["fit"], dtype=np.float64)
    norm = Normalize(vmin=float(np.nanmin(fit)), vmax=float(np.nanmax(fit)))
    cmap = "YlOrRd_r"
    mapper = ScalarMappable(norm=norm, cmap=cmap)
    for value, rings in zip(fit, t["polygons"]):
        verts: list[Any] = []
        codes: list[int] = []
        for ring in rings:
            verts.extend(ring)
            verts.append(ring[0])
            codes.extend([Path.MOVETO] + [Path.LINETO] * (len(ring) - 1) + [Path.CLOSEPOLY])
        ax.add_patch(PathPatch(Path(verts, codes), facecolor=mapper.to_rgba(value), edgecolor="k", linewidth=0.5))
    ax.autoscale_view()
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.figure.colorbar(mapper, ax=ax, location="left", shrink=0.8)
    ax.set_title(t.get("main") or "", fontsize=10)


def draw(
    terms: list[dict[str, Any]],
    select: Sequence[int | str] | None = None,
    residuals: bool = False,
    shade: bool = False,
    figsize: tuple[float, float] | None = None,
    ylim: Any = None,
) -> Any:
    """One matplotlib figure with a panel per term (mgcv's ``pages = 1``); returns it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("plotting needs matplotlib: pip install matplotlib") from e
    panels = [t for t in terms if t["kind"] != "not_plotted"]
    if select is not None:
        chosen = []
        for s in select:
            if isinstance(s, str):
                found = [t for t in panels if t["label"] == s]
                if not found:
                    raise ValueError(f"select: no smooth term '{s}' (terms: {', '.join(t['label'] for t in panels)})")
                chosen.extend(found)
            else:
                if not 0 <= s < len(panels):
                    raise ValueError(f"select: term {s} out of range (0 to {len(panels) - 1})")
                chosen.append(panels[s])
        panels = chosen
    if not panels:
        raise ValueError("no smooth terms to plot (all_terms=True draws the parametric terms too)")
    rows, cols = _layout(len(panels))
    fig, axes = plt.subplots(rows, cols, figsize=figsize or (4.2 * cols, 3.6 * rows), squeeze=False)
    flat = list(axes.flat)
    for ax, t in zip(flat, panels):
        if t["kind"] == "curve":
            _curve(ax, t, residuals, shade, ylim)
        elif t["kind"] == "surface":
            _surface(ax, t)
        elif t["kind"] == "parametric":
            _parametric(ax, t)
        elif t["kind"] == "slices":
            _slices(ax, t)
        elif t["kind"] == "level_curves":
            _level_curves(ax, t)
        elif t["kind"] == "areas":
            _areas(ax, t)
        else:
            _random_effect(ax, t)
    for ax in flat[len(panels):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def draw_check(r: dict[str, Any], figsize: tuple[float, float] | None = None) -> Any:
    """``gam.check``'s four residual plots (2 × 2) from the engine's data; returns the figure."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("plotting needs matplotlib: pip install matplotlib") from e
    fig, axes = plt.subplots(2, 2, figsize=figsize or (8.4, 7.2))
    (qq, lp), (hist, resp) = axes
    res = r["residuals"]
    qq.plot(r["qq_theoretical"], np.sort(res), "k.", markersize=3)
    qq.axline((0.0, 0.0), slope=1.0, color="red", linewidth=0.8)
    qq.set(xlabel="theoretical quantiles", ylabel="deviance residuals", title="Q-Q Plot")
    lp.plot(r["linear_predictor"], res, "ko", markerfacecolor="none", markersize=3)
    lp.set(xlabel="linear predictor", ylabel="residuals", title="Resids vs. linear pred.")
    h = r["histogram"]
    breaks = np.asarray(h["breaks"], dtype=np.float64)
    if len(breaks) > 1:
        hist.bar(breaks[:-1], h["counts"], width=np.diff(breaks), align="edge", color="white", edgecolor="k")
    hist.set(xlabel="Residuals", ylabel="Frequency", title="Histogram of residuals")
    resp.plot(r["fitted"], r["response"], "ko", markerfacecolor="none", markersize=3)
    resp.set(xlabel="Fitted Values", ylabel="Response", title="Response vs. Fitted Values")
    fig.tight_layout()
    return fig
