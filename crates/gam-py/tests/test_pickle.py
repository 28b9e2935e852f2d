"""Persistence: pickle, joblib and copy.deepcopy of a fitted model and of a
fitted scikit-learn estimator give the same model (JSON, summary,
predictions); the model file is the ``gam`` command's."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import warmgam as wg
from conftest import BENCH, MCYCLE, read_csv_dict, run_cli

FORMULA = "accel ~ s(times, k = 20)"
BINARY = BENCH / "data" / "gamsim1_binary_n400.csv"


def _joblib_round_trip(obj, path):
    joblib = pytest.importorskip("joblib")
    joblib.dump(obj, path)
    return joblib.load(path)


def _round_trips(obj, tmp_path):
    """``obj`` through pickle (every protocol), joblib and deepcopy."""
    out = [pickle.loads(pickle.dumps(obj, protocol=p)) for p in range(2, pickle.HIGHEST_PROTOCOL + 1)]
    out.append(copy.deepcopy(obj))
    out.append(_joblib_round_trip(obj, tmp_path / "obj.joblib"))
    return out


@pytest.fixture(scope="module")
def mcycle():
    return read_csv_dict(MCYCLE)


def test_a_fitted_model_round_trips(mcycle, tmp_path):
    m = wg.gam(FORMULA, data=mcycle, cache=False)
    new = {"times": np.linspace(0, 60, 25)}
    want = m.predict(new, se=True, terms=True)
    for other in _round_trips(m, tmp_path):
        assert type(other) is wg.GAM and other is not m
        assert other.to_json() == m.to_json()
        assert other.summary() == m.summary()
        got = other.predict(new, se=True, terms=True)
        assert list(got) == list(want)
        for col in want:
            np.testing.assert_array_equal(got[col], want[col])
        # Through the model file: the training data and the cache status are not kept.
        assert other.cache is None
        with pytest.raises(ValueError, match="newdata"):
            other.predict()


def test_the_model_file_is_the_commands(mcycle, tmp_path, cli):
    m = wg.gam(FORMULA, data=mcycle, cache=False)
    path = tmp_path / "m.json"
    m.save(path)
    assert wg.load(path).to_json() == m.to_json() == path.read_text()
    assert run_cli(cli, "summary", path).stdout == m.summary()


@pytest.mark.parametrize("kind", ["regressor", "classifier"])
def test_a_fitted_scikit_learn_estimator_round_trips(kind, tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    pd = pytest.importorskip("pandas")
    from warmgam.sklearn import GAMClassifier, GAMRegressor

    monkeypatch.setenv("GAM_CACHE_DIR", str(tmp_path / "cache"))
    df = pd.read_csv(BINARY)
    X = df[["x0", "x1", "x2"]]
    if kind == "regressor":
        est = GAMRegressor("f ~ s(x0) + s(x1) + s(x2)").fit(X, df["f"])
        methods = ["predict"]
    else:
        est = GAMClassifier("y ~ s(x0) + s(x1) + s(x2)").fit(X, np.where(df["y"] == 1, "yes", "no"))
        methods = ["predict", "predict_proba", "decision_function"]
    for other in _round_trips(est, tmp_path):
        assert type(other) is type(est) and other.get_params() == est.get_params()
        assert other.model_.to_json() == est.model_.to_json()
        assert other.model_.summary() == est.model_.summary()
        assert list(other.feature_names_in_) == ["x0", "x1", "x2"] and other.formula_ == est.formula_
        for method in methods:
            np.testing.assert_array_equal(getattr(other, method)(X), getattr(est, method)(X))
    # An unfitted estimator copies too.
    assert copy.deepcopy(clone_of(est)).get_params() == est.get_params()


def clone_of(est):
    from sklearn.base import clone

    return clone(est)
