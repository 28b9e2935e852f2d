"""The API on in-memory data: accessors, predictions, persistence, pickle,
errors, only-formula-columns-read."""

from __future__ import annotations

import copy
import pickle
import re

import numpy as np
import pytest

import warmgam as wg
from conftest import MCYCLE, read_csv_dict

FORMULA = "accel ~ s(times, k = 20)"


@pytest.fixture(scope="module")
def mcycle():
    return read_csv_dict(MCYCLE)


@pytest.fixture(scope="module")
def model(mcycle):
    return wg.gam(FORMULA, data=mcycle, cache=False)


def test_accessors_are_consistent(model):
    p = len(model.coefficients)
    assert model.coefficient_names[0] == "(Intercept)"
    assert model.coefficient_names[1] == "s(times).1"
    assert len(model.coefficient_names) == p == 20
    for cov in (model.Vp, model.Ve):
        assert cov.shape == (p, p)
        np.testing.assert_allclose(cov, cov.T, rtol=0, atol=1e-12 * np.abs(cov).max())
    np.testing.assert_allclose(model.standard_errors, np.sqrt(np.diag(model.Vp)))
    assert list(model.edf) == ["s(times)"]
    # total EDF = the smooth's + the intercept's one
    assert model.edf_total == pytest.approx(model.edf["s(times)"] + 1, rel=1e-12)
    assert list(model.sp) == ["s(times)"] and model.sp["s(times)"] > 0
    assert model.scale > 0 and model.scale_estimated
    assert model.method == "REML"
    assert np.isfinite([model.criterion, model.deviance, model.aic, model.log_likelihood]).all()
    assert 0 < model.deviance_explained < 1
    assert (model.n, model.n_dropped, model.converged) == (133, 0, True)
    assert model.family == "gaussian" and model.link == "identity"
    label, edf, coefs = model.smooths[0]
    assert (label, coefs) == ("s(times)", slice(1, 20)) and edf == model.edf["s(times)"]
    assert "accel ~ s(times, k = 20)" in repr(model)


def test_prediction_kinds_agree(model):
    new = {"times": np.array([5.0, 20.0, 40.0])}
    link = model.predict(new)
    resp = model.predict(new, type="response", se=True)
    np.testing.assert_array_equal(link["fit"], resp["fit"])  # identity link
    assert (resp["se_fit"] > 0).all()
    terms = model.predict(new, type="terms")
    assert list(terms) == ["s(times)"]
    np.testing.assert_allclose(terms["s(times)"] + model.coefficients[0], link["fit"], rtol=1e-12)
    both = model.predict(new, terms=True)
    assert list(both) == ["fit", "s(times)"]
    # Without newdata: the training rows.
    assert len(model.predict()["fit"]) == 133


def test_save_load_pickle_and_deepcopy_round_trip(model, tmp_path):
    path = tmp_path / "m.json"
    model.save(path)
    again = wg.load(path)
    assert again.to_json() == model.to_json() == path.read_text()
    assert again.summary() == model.summary()
    assert again.cache is None and model.cache == "cold start"
    new = {"times": np.linspace(1, 50, 7)}
    for other in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model), wg.loads(model.to_json().encode())):
        assert other.to_json() == model.to_json()
        np.testing.assert_array_equal(other.predict(new, se=True)["se_fit"], model.predict(new, se=True)["se_fit"])
    with pytest.raises(ValueError, match="newdata"):
        again.predict()


def test_only_the_formula_columns_are_read(mcycle):
    class Guarded(dict):
        def __getitem__(self, key):
            if key not in ("times", "accel"):
                raise AssertionError(f"column {key!r} was read")
            return super().__getitem__(key)

    data = Guarded(mcycle)
    data["when"] = np.array(["2020-01-01"] * 133, dtype="datetime64[D]")
    data["junk"] = [object()] * 133
    m = wg.gam(FORMULA, data=data, cache=False)
    assert m.n == 133
    # New data needs the predictors only, not the response.
    assert len(m.predict(Guarded({"times": mcycle["times"][:5]}))["fit"]) == 5


def test_missing_values_are_dropped_as_na_omit(mcycle):
    data = dict(mcycle)
    accel = data["accel"].copy()
    accel[[3, 50]] = np.nan
    data["accel"] = accel
    m = wg.gam(FORMULA, data=data, cache=False)
    keep = ~np.isnan(accel)
    ref = wg.gam(FORMULA, data={k: v[keep] for k, v in data.items()}, cache=False)
    assert (m.n, m.n_dropped) == (131, 2)
    np.testing.assert_array_equal(m.coefficients, ref.coefficients)


def test_columns_of_every_python_kind(mcycle):
    rng = np.random.default_rng(3)
    n = 133
    g = rng.choice(["a", "b", "c"], n)
    data = {
        "times": mcycle["times"].tolist(),  # a list of floats
        "accel": mcycle["accel"],
        "g": g,  # numpy str
        "flag": (rng.uniform(size=n) > 0.5),  # numpy bool
        "obj": np.array(list(g), dtype=object),  # object: text
    }
    m = wg.gam("accel ~ s(times, k = 20) + g + flag", data=data, cache=False)
    assert m.coefficient_names[:5] == ["(Intercept)", "gb", "gc", "flagTRUE", "s(times).1"]
    m2 = wg.gam("accel ~ s(times, k = 20) + obj + flag", data=data, cache=False)
    np.testing.assert_array_equal(m.coefficients, m2.coefficients)
    # A structured array reads as a dict of its fields.
    rec = np.zeros(n, dtype=[("times", "f8"), ("accel", "f8")])
    rec["times"], rec["accel"] = mcycle["times"], mcycle["accel"]
    np.testing.assert_array_equal(wg.gam(FORMULA, data=rec, cache=False).coefficients,
                                  wg.gam(FORMULA, data=mcycle, cache=False).coefficients)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"formula": "accel ~ s(times"}, wg.errors.FormulaError, "accel ~ s(times"),
        ({"formula": "accel ~ s(nope)"}, wg.errors.DataError, "unknown column 'nope' (available: times, accel)"),
        ({"family": "gausian"}, wg.errors.OptionError, "unsupported family 'gausian'"),
        ({"family": "poisson", "link": "logit"}, wg.errors.OptionError, "logit"),
        ({"method": "RMEL"}, wg.errors.OptionError, "RMEL"),
        ({"gamma": 0.0}, wg.errors.OptionError, "gamma"),
        ({"formula": "accel ~ s(times, k = 500)"}, wg.errors.FormulaError, "s(times"),
        ({"family": "poisson"}, wg.errors.DataError, "accel"),
    ],
)
def test_errors_are_the_python_hierarchy(mcycle, kwargs, error, message):
    args = {"formula": FORMULA, "data": {"times": mcycle["times"], "accel": mcycle["accel"]}, "cache": False}
    args.update(kwargs)
    with pytest.raises(error, match=re.escape(message)) as info:
        wg.gam(**args)
    assert isinstance(info.value, wg.errors.GamError) and isinstance(info.value, ValueError)


def test_error_classes():
    assert issubclass(wg.errors.FitTooLargeError, MemoryError)
    assert issubclass(wg.errors.CacheError, OSError)
    assert not issubclass(wg.errors.FitInterrupted, ValueError)
    with pytest.raises(FileNotFoundError, match="no-such-model.json"):
        wg.load("no-such-model.json")
    with pytest.raises(wg.errors.ModelFileError):
        wg.loads("{}")
    with pytest.raises(wg.errors.DataError, match="name the columns"):
        wg.gam("y ~ x", data=np.zeros((3, 2)), cache=False)


def test_unsupported_column_type_is_named(mcycle):
    data = {"times": mcycle["times"].astype("datetime64[s]"), "accel": mcycle["accel"]}
    with pytest.raises(wg.errors.DataError, match="column 'times'"):
        wg.gam(FORMULA, data=data, cache=False)


def test_a_progress_callback_is_called_and_its_exception_propagates():
    from conftest import run_python

    # Each outer iterate pauses 120 ms (the engine's test hook, read at start).
    r = run_python("""
import json, warmgam as wg
from conftest import MCYCLE, read_csv_dict
data = read_csv_dict(MCYCLE)
seen = []
wg.gam("accel ~ s(times, k = 20)", data=data, cache=False, progress=lambda i, s, t: seen.append((i, t)))
class Stop(Exception):
    pass
def stop(*_):
    raise Stop("from the callback")
try:
    wg.gam("accel ~ s(times, k = 20)", data=data, cache=False, progress=stop)
except Stop as e:
    notes = getattr(e, "__notes__", [])
print(json.dumps({"seen": seen, "notes": notes}))
""", pause_ms=120)
    import json

    out = json.loads(r.stdout)
    seen = out["seen"]
    assert seen and all(t >= 0.1 for _, t in seen)
    assert [i for i, _ in seen] == sorted(i for i, _ in seen)
    assert any("fit interrupted after outer iteration" in n for n in out["notes"]), out


def test_cv_prints_the_commands_table(mcycle, cli):
    from conftest import run_cli

    result = wg.cv(FORMULA, data=mcycle, folds=5, cache=False)
    want = run_cli(cli, "cv", MCYCLE, FORMULA, "--folds", "5", "--no-cache", "-q").stdout
    assert str(result) == want


def test_cv_numbers_are_the_commands_json_and_predictions(mcycle, cli, tmp_path):
    import json

    from conftest import run_cli

    result = wg.cv(FORMULA, data=mcycle, folds=5, seed=3, cache=False)
    out = tmp_path / "held_out.csv"
    want = run_cli(cli, "cv", MCYCLE, FORMULA, "--folds", "5", "--seed", "3", "--no-cache", "-q", "--json",
                   "--predictions", out).stdout
    assert result.to_json() == want
    doc = json.loads(want)
    assert result.mean_deviance == doc["mean_deviance"] and result.n == doc["n"] == 133
    assert [f["deviance"] for f in result.folds] == [f["deviance"] for f in doc["fold"]]
    assert sum(f["n_test"] for f in result.folds) == result.n
    held = result.predictions()
    assert list(held) == ["row", "fold", "mu"] and len(held["mu"]) == 133
    lines = out.read_text().splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","))) for line in lines[1:]]
    assert [float(r["fit"]) for r in rows] == held["mu"].tolist()
    assert [int(r["row"]) - 1 for r in rows] == held["row"].tolist()  # the CSV counts rows from 1
    assert [int(r["fold"]) for r in rows] == held["fold"].tolist()
    assert sorted(set(held["fold"].tolist())) == [1, 2, 3, 4, 5]


def test_a_forced_progress_display_after_a_second():
    from conftest import run_python

    r = run_python("""
import sys
sys.modules["tqdm"] = None  # the stderr line, not tqdm
import warmgam as wg
from conftest import MCYCLE, read_csv_dict
wg.gam("accel ~ s(times, k = 20)", data=read_csv_dict(MCYCLE), cache=False, progress=True)
""", pause_ms=300)
    # (text mode reads the carriage returns as newlines)
    assert "outer iteration" in r.stderr and r.stderr.endswith("\033[K")


def test_tqdm_shows_the_progress_when_importable():
    pytest.importorskip("tqdm")
    from conftest import run_python

    r = run_python("""
import sys
import warmgam as wg
from conftest import MCYCLE, read_csv_dict
wg.gam("accel ~ s(times, k = 20)", data=read_csv_dict(MCYCLE), cache=False, progress=True)
print("tqdm.auto" in sys.modules)
""", pause_ms=300)
    assert r.stdout.strip() == "True"
    # tqdm's bar (elapsed as mm:ss), not the plain line's "[1.2 s]".
    assert re.search(r"outer iteration \d+  criterion -?[0-9.]+ \[00:0\d\]", r.stderr), r.stderr
    assert " s]" not in r.stderr


def test_a_raising_callback_leaves_the_checkpoint_the_next_fit_resumes(tmp_path):
    from conftest import run_python

    r = run_python(f"""
import json, warmgam as wg
from conftest import MCYCLE, read_csv_dict
data = read_csv_dict(MCYCLE)
class Stop(Exception):
    pass
def stop(i, s, t):
    if i >= 2:
        raise Stop("enough")
try:
    wg.gam("accel ~ s(times, k = 20)", data=data, cache={str(tmp_path / "cache")!r}, progress=stop)
except Stop as e:
    notes = getattr(e, "__notes__", [])
m = wg.gam("accel ~ s(times, k = 20)", data=data, cache={str(tmp_path / "cache")!r})
cold = wg.gam("accel ~ s(times, k = 20)", data=data, cache=False)
print(json.dumps({{"notes": notes, "status": m.cache, "summary": m.summary(), "cold": cold.summary()}}))
""", pause_ms=120)
    import json

    out = json.loads(r.stdout)
    assert any("fit interrupted after outer iteration" in n for n in out["notes"]), out
    assert out["status"].startswith("resumed from checkpoint at iteration"), out
    # (a resumed search stops within the convergence tolerance of the cold one: the same printout)
    assert out["summary"] == out["cold"]


def test_a_known_scale_as_the_commands(mcycle, cli):
    from conftest import run_cli

    m = wg.gam(FORMULA, data=mcycle, scale=500.0, method="GCV.Cp", cache=False)
    assert (m.scale, m.scale_estimated) == (500.0, False)
    want = run_cli(cli, "fit", MCYCLE, FORMULA, "--scale", "500", "--method", "GCV.Cp", "--no-cache", "-q").stdout
    assert m.summary() == want
    with pytest.raises(wg.errors.OptionError, match="scale"):
        wg.gam(FORMULA, data=mcycle, scale=float("nan"), cache=False)


def test_cv_reports_progress_and_the_callbacks_exception_stops_it():
    from conftest import run_python

    r = run_python("""
import json, warmgam as wg
from conftest import MCYCLE, read_csv_dict
calls = []
class Stop(Exception):
    pass
def stop(i, s, t):
    calls.append(i)
    raise Stop
try:
    wg.cv("accel ~ s(times, k = 20)", data=read_csv_dict(MCYCLE), folds=3, cache=False, progress=stop)
except Stop as e:
    print(json.dumps({"calls": calls, "notes": getattr(e, "__notes__", [])}))
""", pause_ms=120)
    import json

    out = json.loads(r.stdout)
    assert len(out["calls"]) == 1
    assert any("fitting fold 1: fit interrupted" in n for n in out["notes"]), out


def test_missing_predictors_pass_as_nan_or_are_an_error(model):
    new = {"times": np.array([5.0, np.nan, 40.0])}
    p = model.predict(new, se=True)
    assert np.isnan(p["fit"][1]) and np.isnan(p["se_fit"][1])
    assert np.isfinite(p["fit"][[0, 2]]).all()
    with pytest.raises(wg.errors.DataError, match="row 2"):
        model.predict(new, na_action="error")


def test_the_lpmatrix_times_the_coefficients_is_the_link_prediction(model):
    new = {"times": np.linspace(2, 55, 11)}
    x, offset = model.lpmatrix(new)
    assert x.shape == (11, 20) and offset.shape == (11,)
    np.testing.assert_allclose(x @ model.coefficients + offset, model.predict(new)["fit"], rtol=1e-12, atol=1e-9)


def test_residuals_and_fitted_values(model, mcycle):
    r = model.residuals()
    assert r.shape == (133,)
    assert float(np.sum(r ** 2)) == pytest.approx(model.deviance, rel=1e-10)
    np.testing.assert_allclose(model.fitted_values() + model.residuals("response"), mcycle["accel"], rtol=1e-12)
    for kind in ("pearson", "scaled.pearson", "working", "response"):
        assert np.isfinite(model.residuals(kind)).all()
    with pytest.raises(wg.errors.OptionError):
        model.residuals("nope")
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({k: v for k, v in mcycle.items()}, index=np.arange(133) * 10)
    df.loc[20, "accel"] = np.nan
    m = wg.gam(FORMULA, data=df, cache=False)
    res = m.residuals(data=df)
    assert isinstance(res, pd.Series) and len(res) == 132 and 20 not in res.index


def test_extended_family_parameters_match_mgcv():
    """scat's ν and σ, as mgcv 1.8-41's getTheta(TRUE) (crates/gam/tests/data/efam)."""
    import json

    from conftest import ROOT

    efam = ROOT / "crates" / "gam" / "tests" / "data" / "efam"
    ref = json.loads((efam / "scat_reml.json").read_text())
    m = wg.gam("y ~ s(x0) + s(x1)", data=read_csv_dict(efam / "scat_n400.csv"), family="scat", cache=False)
    assert m.family_parameters == pytest.approx([float(v) for v in ref["theta"]], rel=1e-4)
    assert m.theta is None
    assert m.criterion == pytest.approx(float(ref["criterion"][0]), rel=1e-6)
