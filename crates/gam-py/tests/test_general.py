"""General families in Python (``warmgam.gam(..., family="gaulss")`` → ``GeneralGAM``):
fits against the committed mgcv 1.8-41 references in ``crates/gam/tests/data/general/``
(made by ``make_refs.R``, ``make_multinom_refs.R``, ``make_coxph_refs.R``), parity with the
``gam`` command (summary bytes, model files both ways, ``gam predict``'s CSV), pickling,
and one-line refusals."""

from __future__ import annotations

import csv
import io
import json
import pickle

import numpy as np
import pytest

import warmgam as wg
from conftest import ROOT, read_csv_dict, read_csv_pandas, run_cli

GENERAL = ROOT / "crates" / "gam" / "tests" / "data" / "general"

# The acceptance (crates/gam/tests/common/tol.rs).
REML_REL_TOL = 1e-6
EDF_ABS_TOL = 0.01
PRED_SD_TOL = 1e-4
# cox.ph's survival probabilities, absolute (as general_coxph_fidelity.rs).
SURVIVAL_ABS_TOL = 1e-5
# Rows mgcv predicted at for gaulss and multinom (``nd <- d[1:40, ]``).
NEW_ROWS = 40


def _ref(name: str) -> dict:
    return json.loads((GENERAL / f"{name}.json").read_text())


def _num(v) -> float:
    return float(v[0] if isinstance(v, list) else v)


def _nums(v) -> np.ndarray:
    return np.array([float(x) for x in v])


def _head(data: dict, n: int) -> dict:
    return {k: v[:n] for k, v in data.items()}


def _check_fit(m: wg.GeneralGAM, r: dict) -> tuple[float, float]:
    crit = abs(m.criterion - _num(r["criterion"])) / abs(_num(r["criterion"]))
    assert crit <= REML_REL_TOL, f"{r['id']}: criterion rel {crit:.2e}"
    edf = max(abs(m.edf[s["label"]] - _num(s["edf"])) for s in r["smooths"])
    assert edf <= EDF_ABS_TOL, f"{r['id']}: EDF {edf:.2e}"
    assert m.coefficient_names == r["coef_names"]
    assert list(m.sp) == r["sp_names"]
    assert m.n == int(_num(r["n"])) and m.converged and m.method == "REML"
    return crit, edf


def _worst_scaled(pred, names: list[str], mgcv: list) -> float:
    worst = 0.0
    for name, col in zip(names, mgcv):
        m = _nums(col)
        worst = max(worst, float(np.max(np.abs(np.asarray(pred[name]) - m)) / np.std(m, ddof=1)))
    return worst


def test_gaulss_matches_mgcv():
    r = _ref("gaulss_reml")
    data = read_csv_dict(GENERAL / r["data"])
    m = wg.gam(r["formula"], data=data, family="gaulss", cache=False, progress=False)
    assert isinstance(m, wg.GeneralGAM)
    _check_fit(m, r)
    assert m.family == "gaulss" and m.links == ["identity", "logb"] and m.n_predictors == 2
    assert m.Vp.shape == (30, 30) and m.coefficients.shape == (30,) and m.standard_errors.shape == (30,)
    assert m.cache == "cold start"
    nd = _head(data, NEW_ROWS)
    link = m.predict(nd, se=True)
    assert list(link) == ["fit_1", "fit_2", "se_fit_1", "se_fit_2"]
    assert _worst_scaled(link, ["fit_1", "fit_2"], r["pred_link"]) <= PRED_SD_TOL
    resp = m.predict(nd, type="response")
    assert _worst_scaled(resp, ["fit_1", "fit_2"], r["pred_response"]) <= PRED_SD_TOL
    # Without new data: the data of the fit.
    assert len(m.predict()["fit_1"]) == 400


def test_multinom_class_probabilities_match_mgcv():
    r = _ref("multinom_k2_reml")
    pd = pytest.importorskip("pandas")
    data = read_csv_pandas(GENERAL / r["data"])
    m = wg.gam(r["formula"], data=data, family="multinom(K=2)", cache=False, progress=False)
    _check_fit(m, r)
    probs = m.predict(data.iloc[:NEW_ROWS], type="response", se=True)
    assert isinstance(probs, pd.DataFrame)
    assert list(probs.columns) == ["p0", "p1", "p2", "se_p0", "se_p1", "se_p2"]
    assert _worst_scaled(probs, ["p0", "p1", "p2"], r["pred_response"]) <= PRED_SD_TOL
    np.testing.assert_allclose(probs[["p0", "p1", "p2"]].sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_cox_ph_survival_matches_mgcv():
    r = _ref("coxph_reml")
    data = read_csv_dict(GENERAL / r["data"])
    m = wg.gam(r["formula"], data=data, family="cox.ph", weights="status", cache=False, progress=False)
    _check_fit(m, r)
    assert m.family == "cox.ph" and m.predictor_columns("response") == ["time", "x1", "x2"]
    nd = read_csv_dict(GENERAL / r["newdata"])
    link = m.predict(nd)
    lp = _nums(r["linear_predictor"])
    assert np.max(np.abs(link["fit_1"] - _nums(r["pred_link"]))) / np.std(lp, ddof=1) <= PRED_SD_TOL
    surv = m.predict(nd, type="response", se=True)
    assert np.max(np.abs(surv["fit_1"] - _nums(r["pred_response"]))) <= SURVIVAL_ABS_TOL


def _cli_csv(text: str) -> dict[str, np.ndarray]:
    rows = list(csv.reader(io.StringIO(text)))
    return {name: np.array([float(x[j]) for x in rows[1:]]) for j, name in enumerate(rows[0])}


@pytest.mark.parametrize(
    ("ref", "family", "extra"),
    [("gaulss_reml", "gaulss", []), ("multinom_k2_reml", "multinom(K=2)", []),
     ("coxph_reml", "cox.ph", ["--weights", "status"])],
)
def test_parity_with_the_command(cli, tmp_path, ref, family, extra):
    r = _ref(ref)
    path = GENERAL / r["data"]
    out = tmp_path / "cli.json"
    text = run_cli(cli, "fit", path, r["formula"], "--family", family, *extra, "--no-cache", "-q", "--out", out).stdout
    weights = "status" if family == "cox.ph" else None
    m = wg.gam(r["formula"], data=read_csv_dict(path), family=family, weights=weights, cache=False, progress=False)
    # The summary: the command's bytes.
    assert m.summary() == text
    # Model files both ways: the command's file loads here, ours in the command.
    ours = tmp_path / "py.json"
    m.save(ours)
    assert ours.read_bytes() == out.read_bytes()
    assert run_cli(cli, "summary", ours).stdout == text
    loaded = wg.load(out)
    assert isinstance(loaded, wg.GeneralGAM) and loaded.summary() == text and loaded.cache is None
    # Predictions with standard errors: `gam predict`'s CSV, bit for bit.
    nd = GENERAL / r.get("newdata", r["data"])
    for kind in ("link", "response"):
        cli_pred = _cli_csv(run_cli(cli, "predict", out, nd, "--type", kind, "--se").stdout)
        ours_pred = loaded.predict(read_csv_dict(nd), type=kind, se=True)
        assert list(ours_pred) == list(cli_pred)
        for name, values in cli_pred.items():
            np.testing.assert_array_equal(ours_pred[name], values, err_msg=f"{ref} {kind} {name}")
    # The JSON `gam fit --json` prints, but for where the fit started.
    doc = json.loads(m.report_json())
    cli_doc = json.loads(run_cli(cli, "fit", path, r["formula"], "--family", family, *extra, "--no-cache", "-q",
                                 "--json").stdout)
    assert doc == cli_doc


def test_pickle_and_loads_round_trip():
    r = _ref("gaulss_reml")
    data = read_csv_dict(GENERAL / r["data"])
    m = wg.gam(r["formula"], data=data, family="gaulss", cache=False, progress=False)
    back = pickle.loads(pickle.dumps(m))
    assert isinstance(back, wg.GeneralGAM)
    assert back.summary() == m.summary() and back.to_json() == m.to_json()
    assert isinstance(wg.loads(m.to_json()), wg.GeneralGAM)
    nd = _head(data, 5)
    np.testing.assert_array_equal(back.predict(nd)["fit_2"], m.predict(nd)["fit_2"])
    with pytest.raises(ValueError, match="newdata is needed"):
        back.predict()


def test_the_cache_answers_a_repeated_fit(tmp_path):
    r = _ref("gaulss_reml")
    data = read_csv_dict(GENERAL / r["data"])
    first = wg.gam(r["formula"], data=data, family="gaulss", cache=tmp_path, progress=False)
    again = wg.gam(r["formula"], data=data, family="gaulss", cache=tmp_path, progress=False)
    assert (first.cache, again.cache) == ("cold start", "exact hit")
    np.testing.assert_array_equal(first.coefficients, again.coefficients)
    assert json.loads(again.report_json())["start"]["source"] == "exact_hit"


def test_misshapen_models_are_refused_in_one_line():
    data = {"y": np.arange(10.0), "x": np.linspace(0, 1, 10)}
    cases = [
        (dict(formula="y ~ s(x)", family="gaulss"), wg.errors.OptionError, "as a list"),
        (dict(formula="list(y ~ s(x), ~ 1)", family="cox.ph", weights="y"), wg.errors.OptionError, "single formula"),
        (dict(formula="list(y ~ s(x), ~ 1)", family="gaulss", weights="x"), wg.errors.OptionError, "weights"),
        (dict(formula="list(y ~ s(x), ~ 1)", family="gaulss", link="log"), wg.errors.OptionError, "link"),
        (dict(formula="y ~ s(x)", family="cox.ph"), wg.errors.OptionError, "event indicator"),
    ]
    for kwargs, error, says in cases:
        with pytest.raises(error, match=says) as info:
            wg.gam(data=data, cache=False, progress=False, **kwargs)
        assert "\n" not in str(info.value)
