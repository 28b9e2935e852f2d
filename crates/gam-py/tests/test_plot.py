"""Plot data and pictures: ``GAM.plot_data`` is the engine's (the bytes
``gam plot --json`` prints for the same model and data), and ``GAM.plot``
draws one matplotlib panel per smooth term with mgcv's labels, without a
display."""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import pytest

import warmgam as wg
from conftest import BENCH, MCYCLE, read_csv_dict

GAMSIM6 = BENCH / "data" / "gamsim6_n400.csv"


def test_plot_data_is_what_gam_plot_prints(tmp_path):
    gam_cli = os.environ.get("GAM_CLI")
    if not gam_cli:
        pytest.skip("GAM_CLI (the gam binary) not set")
    m = wg.gam("accel ~ s(times, k = 20)", data=read_csv_dict(MCYCLE), cache=False)
    model = tmp_path / "m.json"
    m.save(model)
    run = subprocess.run(
        [gam_cli, "plot", str(model), str(MCYCLE), "--json", "--residuals"], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    ours = m._fitted.plot_json(None, residuals=True)
    assert ours == run.stdout
    terms = m.plot_data(residuals=True)
    cli = json.loads(run.stdout)["terms"]
    np.testing.assert_array_equal(terms[0]["fit"], np.array(cli[0]["fit"]))
    assert terms[0]["p_resid"].shape == (133,)


def test_a_surface_marks_excluded_grid_points_nan():
    pd = pytest.importorskip("pandas")
    aq = pd.read_csv(BENCH / "data" / "airquality.csv")
    m = wg.gam('Ozone ~ s(Solar.R, bs = "cr") + te(Wind, Temp)', family="Gamma", link="log", data=aq, cache=False)
    curve, surface = m.plot_data()
    assert (curve["kind"], surface["kind"]) == ("curve", "surface")
    assert surface["fit"].shape == (1600,) and len(surface["x"]) == len(surface["y"]) == 40
    excluded = surface["exclude"]
    assert 0 < excluded.sum() < 1600
    assert np.isnan(surface["fit"][excluded]).all() and np.isfinite(surface["fit"][~excluded]).all()
    assert surface["main"].startswith("te(Wind,Temp,")


def test_plot_draws_a_panel_per_term_with_mgcv_labels(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    pd = pytest.importorskip("pandas")
    data = pd.read_csv(GAMSIM6)
    m = wg.gam('y ~ s(x0) + s(x1) + te(x2, x3, k = 4) + s(fac, bs = "re")', data=data, factors=["fac"], cache=False)
    fig = m.plot(residuals=True)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 4
    assert axes[0].get_xlabel() == "x0" and axes[0].get_ylabel().startswith("s(x0,")
    assert axes[2].get_title().startswith("te(x2,x3,") and axes[2].get_xlabel() == "x2"
    assert axes[3].get_xlabel() == "Gaussian quantiles" and axes[3].get_title().startswith("s(fac,")
    for ext in ("png", "svg"):
        path = tmp_path / f"plot.{ext}"
        fig.savefig(path)
        assert path.stat().st_size > 1000
    assert (tmp_path / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (tmp_path / "plot.svg").read_bytes()[:500]
    two = m.plot(select=["s(x1)", 0], shade=True)
    assert [ax.get_xlabel() for ax in two.axes if ax.get_visible()] == ["x1", "x0"]
    with pytest.raises(ValueError, match="no smooth term 's\\(z\\)'"):
        m.plot(select=["s(z)"])
    import matplotlib.pyplot as plt

    plt.close("all")


def test_plot_settings_are_checked_by_the_engine():
    m = wg.gam("accel ~ s(times)", data=read_csv_dict(MCYCLE), cache=False)
    with pytest.raises(ValueError, match="n = 1"):
        m.plot_data(n=1)
    with pytest.raises(ValueError, match="too_far = -1"):
        m.plot_data(too_far=-1.0)


CAKE = BENCH / "data" / "cake.csv"


def test_all_terms_adds_parametric_terms_and_curves_share_a_scale():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    data = read_csv_dict(CAKE)
    m = wg.gam("angle ~ recipe + s(temp, k = 5) + s(replicate, bs = 're')", data=data, cache=False)
    terms = m.plot_data(all_terms=True)
    assert [t["kind"] for t in terms] == ["curve", "random_effect", "parametric"]
    recipe = terms[-1]
    assert recipe["levels"] == ["A", "B", "C"] and recipe["ylab"] == "Partial for recipe"
    np.testing.assert_array_equal(recipe["x"], [1.0, 2.0, 3.0])
    assert recipe["fit"][0] == 0.0  # the baseline level: uncentred, as termplot draws it
    assert len(m.plot_data()) == 2
    fig = m.plot(all_terms=True)
    axes = [a for a in fig.axes if a.get_visible()]
    assert [a.get_title() for a in axes][1:] == [terms[1]["main"], "recipe"]
    assert [t.get_text() for t in axes[2].get_xticklabels()] == ["A", "B", "C"]
    with pytest.raises(ValueError, match="scale=2"):
        m.plot(scale=2)


def test_the_common_y_scale_spans_every_curve():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    data = read_csv_dict(BENCH / "data" / "gamsim1_n400.csv")
    m = wg.gam("y ~ s(x0) + s(x2)", data=data, cache=False)
    terms = m.plot_data()
    lo = min(float(np.min(t["fit"] - t["se"])) for t in terms)
    hi = max(float(np.max(t["fit"] + t["se"])) for t in terms)
    shared = [a.get_ylim() for a in m.plot().axes]
    assert shared[0] == shared[1]
    assert shared[0][0] < lo and shared[0][1] > hi
    own = [a.get_ylim() for a in m.plot(scale=0).axes]
    assert own[0] != own[1]


def test_a_three_covariate_smooth_is_drawn_as_slices():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    data = read_csv_dict(BENCH / "data" / "gamsim1_n400.csv")
    m = wg.gam("y ~ te(x0, x1, x2, k = 4)", data=data, cache=False)
    t = m.plot_data()[0]
    assert t["kind"] == "slices" and t["slices"]["vars"] == ["x0", "x1", "x2"]
    assert t["fit"].shape == (9 * 40 * 40,)
    fig = m.plot()
    assert fig.axes[0].get_title() == t["main"]
    assert sum(1 for txt in fig.axes[0].texts if txt.get_text().startswith("x2=")) == 9


def test_se_sets_the_band_width():
    data = read_csv_dict(MCYCLE)
    m = wg.gam("accel ~ s(times)", data=data, cache=False)
    two, one = m.plot_data()[0], m.plot_data(se=1.0)[0]
    assert (two["se_mult"], one["se_mult"]) == (2.0, 1.0)
    np.testing.assert_allclose(two["se"], 2 * one["se"], rtol=1e-12)
    with pytest.raises(wg.errors.GamError, match="se = -1"):
        m.plot_data(se=-1.0)


def test_an_mrf_with_polygons_is_drawn_as_a_map():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    mrf = BENCH.parent / "mrf"
    data = read_csv_dict(mrf / "mrf_poly_n400.csv")
    m = wg.gam(f'y ~ s(area, bs = "mrf", xt = "{mrf / "polys.json"}") + s(x)', data=data, cache=False)
    areas, curve = m.plot_data()
    assert (areas["kind"], curve["kind"]) == ("areas", "curve")
    assert areas["fit"].shape == (34,) and len(areas["levels"]) == len(areas["polygons"]) == 34
    assert areas.get("se") is None and areas["main"].startswith("s(area,")
    a01 = areas["polygons"][areas["levels"].index("a01")]
    assert len(a01) == 2 and len(a01[0][0]) == 2  # two rings of [x, y] vertices
    fig = m.plot()
    assert fig.axes[0].get_title() == areas["main"]
    import matplotlib.pyplot as plt

    plt.close("all")
