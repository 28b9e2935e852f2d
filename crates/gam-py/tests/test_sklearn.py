"""warmgam.sklearn: the estimators inside scikit-learn's tools (clone,
cross-validation, grid search, pipelines), their labels, their inputs, the
cache seeding cross-validation folds, and scikit-learn's estimator checks."""

from __future__ import annotations

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
pd = pytest.importorskip("pandas")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, cross_validate  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer, StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import warmgam as wg  # noqa: E402
from conftest import BENCH, MCYCLE, read_csv_pandas  # noqa: E402
from warmgam.sklearn import GAMClassifier, GAMRegressor, expected_failed_checks  # noqa: E402

FORMULA = "accel ~ s(times, k = 20)"
BINARY = BENCH / "data" / "gamsim1_binary_n400.csv"
BINARY_FORMULA = "y ~ s(x0) + s(x1) + s(x2)"


@pytest.fixture(autouse=True)
def _private_default_cache(tmp_path, monkeypatch):
    # The default cache (cache=True) of these tests is a fresh directory, not the user's.
    monkeypatch.setenv("GAM_CACHE_DIR", str(tmp_path / "default-cache"))


@pytest.fixture(scope="module")
def mcycle():
    df = read_csv_pandas(MCYCLE)
    return df[["times"]], df["accel"]


@pytest.fixture(scope="module")
def binary():
    df = read_csv_pandas(BINARY)
    labels = np.where(df["y"] == 1, "yes", "no")
    return df[["x0", "x1", "x2", "x3"]], labels, df


def test_clone_keeps_the_parameters_and_fit_never_changes_them(mcycle):
    X, y = mcycle
    factors, knots = ["nothing"], {"times": [2.4, 10.0, 20.0, 30.0, 40.0, 57.6]}
    reg = GAMRegressor('accel ~ s(times, bs = "cr", k = 6)', gamma=1.2, knots=knots, factors=factors, cache=False)
    before = reg.get_params()
    twin = clone(reg)
    assert twin.get_params() == before and twin is not reg
    reg.fit(X, y)
    after = reg.get_params()
    assert after == before
    assert all(after[k] is before[k] for k in before)  # the very objects, not copies
    assert factors == ["nothing"] and knots["times"][0] == 2.4
    assert reg.model_.formula == 'accel ~ s(times, bs = "cr", k = 6)'
    assert reg.model_.summary() == wg.gam(
        'accel ~ s(times, bs = "cr", k = 6)', data=X.assign(accel=y), gamma=1.2, knots=knots, cache=False
    ).summary()
    assert not hasattr(twin, "model_")


def test_cross_val_score_gives_finite_scores(mcycle):
    X, y = mcycle
    scores = cross_val_score(GAMRegressor(FORMULA), X, y, cv=KFold(5, shuffle=True, random_state=1))
    assert scores.shape == (5,) and np.isfinite(scores).all()
    assert scores.mean() > 0.6


@pytest.mark.parametrize("formula", [FORMULA, None])
def test_cross_validation_folds_seed_each_other_through_the_cache(mcycle, tmp_path, formula):
    X, y = mcycle
    if formula is None:
        X = X.to_numpy()  # the additive default, on columns x0, ...
    cache = tmp_path / "cache"
    cv = KFold(5, shuffle=True, random_state=2)
    result = cross_validate(GAMRegressor(formula, cache=str(cache)), X, y, cv=cv, return_estimator=True)
    status = [est.model_.cache for est in result["estimator"]]
    assert status == ["cold start"] + ["seeded from a related fit"] * 4, status
    assert len({est.formula_ for est in result["estimator"]}) == 1
    again = cross_validate(GAMRegressor(formula, cache=str(cache)), X, y, cv=cv, return_estimator=True)
    assert [est.model_.cache for est in again["estimator"]] == ["exact hit"] * 5
    np.testing.assert_array_equal(again["test_score"], result["test_score"])


def test_grid_search_over_formula_and_gamma(mcycle):
    X, y = mcycle
    grid = {"formula": ["accel ~ s(times, k = 5)", FORMULA], "gamma": [1.0, 1.4]}
    search = GridSearchCV(GAMRegressor(), grid, cv=KFold(3, shuffle=True, random_state=3)).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    # k = 5 cannot follow the motorcycle's acceleration: the k = 20 model wins.
    assert search.best_params_["formula"] == FORMULA
    assert search.best_estimator_.model_.formula == FORMULA


def _in_seconds(df):
    return df.assign(seconds=df["times"] / 1000)


def test_pipelines_of_a_frame_and_of_arrays(mcycle):
    X, y = mcycle
    pipe = Pipeline([("prep", FunctionTransformer(_in_seconds)), ("gam", GAMRegressor("accel ~ s(seconds, k = 20)"))])
    pipe.fit(X, y)
    assert list(pipe[-1].feature_names_in_) == ["times", "seconds"]
    direct = GAMRegressor("accel ~ s(seconds, k = 20)").fit(_in_seconds(X), y)
    np.testing.assert_array_equal(pipe.predict(X), direct.predict(_in_seconds(X)))
    scaled = Pipeline([("scale", StandardScaler()), ("gam", GAMRegressor("y ~ s(x0, k = 20)"))]).fit(X.to_numpy(), y)
    assert scaled.score(X.to_numpy(), y) == pytest.approx(pipe.score(X, y), abs=0.02)


def test_feature_names_and_array_columns(mcycle):
    X, y = mcycle
    reg = GAMRegressor(FORMULA).fit(X, y)
    assert list(reg.feature_names_in_) == ["times"] and reg.n_features_in_ == 1
    assert isinstance(reg.predict(X), np.ndarray) and reg.predict(X).shape == (len(X),)
    ref = wg.gam(FORMULA, data=X.assign(accel=y), cache=False)
    np.testing.assert_array_equal(reg.predict(X), ref.predict(X, type="response")["fit"])
    assert reg.score(X, y) == pytest.approx(ref.deviance_explained, rel=1e-12)  # Gaussian: R² of the fit
    # An array X has columns x0, x1, ...: feature names are not set.
    arr = GAMRegressor("y ~ s(x0, k = 20)").fit(X.to_numpy(), y.to_numpy())
    assert not hasattr(arr, "feature_names_in_") and arr.n_features_in_ == 1
    np.testing.assert_array_equal(arr.predict(X.to_numpy()), reg.predict(X))
    with pytest.raises(ValueError, match="X has 2 features, but GAMRegressor is expecting 1"):
        arr.predict(np.column_stack([X.to_numpy(), X.to_numpy()]))
    # Only the formula's columns are read; names must match those of fit.
    wide = X.assign(note=[{"not": "a number"}] * len(X))
    GAMRegressor(FORMULA).fit(wide, y)
    with pytest.raises(ValueError, match="feature names"):
        reg.predict(X.rename(columns={"times": "t"}))


def test_polars_and_pyarrow_covariates(mcycle):
    X, y = mcycle
    ref = GAMRegressor(FORMULA).fit(X, y).predict(X)
    pl = pytest.importorskip("polars")
    np.testing.assert_array_equal(GAMRegressor(FORMULA).fit(pl.from_pandas(X), y).predict(pl.from_pandas(X)), ref)
    pa = pytest.importorskip("pyarrow")
    table = pa.Table.from_pandas(X, preserve_index=False)
    reg = GAMRegressor(FORMULA).fit(table, y)
    assert list(reg.feature_names_in_) == ["times"]
    np.testing.assert_array_equal(reg.predict(table), ref)


def test_the_additive_default_comes_from_the_engine(binary):
    X, _, df = binary
    y = df["y"].to_numpy()
    X = X.assign(f=pd.Categorical(np.where(df["x3"] > 0.5, "hi", "lo")), two=(df["x0"] > 0.5).astype(float))
    reg = GAMRegressor(cache=False).fit(X, y)
    assert reg.formula_ == "y ~ s(x0, k = 10) + s(x1, k = 10) + s(x2, k = 10) + s(x3, k = 10) + f + two"
    # A feature called y: the response gets another name.
    assert GAMRegressor(cache=False).fit(X.rename(columns={"x0": "y"}), y).formula_.startswith("y_ ~ s(y, k = 10)")
    # Few rows: k is lowered so that the coefficients stay fewer than the rows.
    small = GAMRegressor(cache=False).fit(X.iloc[:20, :3], y[:20])
    assert small.formula_ == "y ~ s(x0, k = 7) + s(x1, k = 7) + s(x2, k = 7)"


def test_missing_covariates_are_dropped_in_fit_and_nan_in_predict(mcycle):
    X, y = mcycle
    holes = X.copy()
    holes.iloc[[3, 30], 0] = np.nan
    reg = GAMRegressor(FORMULA).fit(holes, y)
    assert (reg.model_.n, reg.model_.n_dropped) == (131, 2)
    p = reg.predict(holes)
    assert np.isnan(p[[3, 30]]).all() and np.isfinite(np.delete(p, [3, 30])).all()
    with pytest.raises(ValueError, match="Input y contains NaN"):
        GAMRegressor(FORMULA).fit(X, y.where(y > -100))


def test_formula_mistakes_are_named(mcycle):
    X, y = mcycle
    with pytest.raises(ValueError, match="name the column itself"):
        GAMRegressor("log(accel + 200) ~ s(times)").fit(X, y)
    with pytest.raises(ValueError, match="X has a column 'times', the formula's response"):
        GAMRegressor("times ~ s(accel)").fit(X, y)
    with pytest.raises(wg.errors.FormulaError):
        GAMRegressor("accel ~ s(times").fit(X, y)
    with pytest.raises(wg.errors.DataError, match="unknown column 'tims'"):
        GAMRegressor("accel ~ s(tims)").fit(X, y)


def test_sample_weight_is_mgcvs_prior_weights(mcycle):
    X, y = mcycle
    w = np.linspace(0.5, 2.0, len(X))
    reg = GAMRegressor(FORMULA, cache=False).fit(X, y, sample_weight=w)
    ref = wg.gam(FORMULA, data=X.assign(accel=y, w=w), weights="w", cache=False)
    assert reg.model_.summary() == ref.summary()
    with pytest.raises(ValueError, match="one weight per row"):
        GAMRegressor(FORMULA).fit(X, y, sample_weight=w[:-1])


def test_prior_weights_are_not_frequency_weights_under_reml(mcycle):
    # Why check_sample_weight_equivalence fails on any data: the smoothing
    # parameter depends on the number of rows, so weight 2 is not a repeat.
    X, y = mcycle
    w = np.arange(len(X)) % 3 + 1
    weighted = GAMRegressor(FORMULA, cache=False).fit(X, y, sample_weight=w)
    repeated = GAMRegressor(FORMULA, cache=False).fit(X.loc[X.index.repeat(w)], y.loc[y.index.repeat(w)])
    sp_w, sp_r = weighted.model_.sp["s(times)"], repeated.model_.sp["s(times)"]
    assert abs(np.log(sp_w / sp_r)) > 0.1, (sp_w, sp_r)
    assert np.abs(weighted.predict(X) - repeated.predict(X)).max() > 1e-3


def test_classifier_api_on_overlapping_classes(binary):
    # What the checks listed for separation test, on classes that overlap.
    X, labels, _ = binary
    arr = X.to_numpy()
    clf = GAMClassifier()
    params = clf.get_params()
    assert clf.fit(arr, labels) is clf and clf.get_params() == params
    assert clf.n_features_in_ == 4 and clf.formula_.startswith("y ~ s(x0, k = 10)")
    with pytest.raises(ValueError, match="X has 3 features, but GAMClassifier is expecting 4"):
        clf.predict(arr[:, :3])
    proba = clf.predict_proba(arr)
    # Lists, float32, Fortran order and subsets give the same predictions.
    np.testing.assert_array_equal(GAMClassifier().fit(arr.tolist(), labels.tolist()).predict_proba(arr), proba)
    np.testing.assert_array_equal(clf.predict_proba(np.asfortranarray(arr)), proba)
    np.testing.assert_array_equal(clf.predict_proba(arr[::7]), proba[::7])
    np.testing.assert_array_equal(clf.predict_proba(arr[::-1]), proba[::-1])
    assert GAMClassifier().fit(arr.astype(np.float32), labels).predict(arr).shape == (len(arr),)
    # Weights: a list works, a wrong shape is refused, the caller's array is unchanged.
    w = np.linspace(0.5, 1.5, len(arr))
    kept = w.copy()
    with pytest.warns(wg.errors.GamWarning, match="non-integer numbers of successes"):  # mgcv's warning
        GAMClassifier().fit(arr, labels, sample_weight=w.tolist())
    np.testing.assert_array_equal(w, kept)
    with pytest.raises(ValueError, match="one weight per row"):
        GAMClassifier().fit(arr, labels, sample_weight=np.ones((len(arr), 2)))
    with pytest.raises(ValueError, match="one class"):
        GAMClassifier().fit(arr, labels, sample_weight=(labels == "yes").astype(float))


def test_classifier_labels_probabilities_and_mgcvs_failure_first(binary):
    X, labels, df = binary
    clf = GAMClassifier(BINARY_FORMULA).fit(X, labels)
    assert clf.classes_.tolist() == ["no", "yes"]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    # The first class is mgcv's failure: column 2 is the model's fitted probability.
    ref = wg.gam(BINARY_FORMULA, family="binomial", data=df, cache=False)
    np.testing.assert_array_equal(proba[:, 1], ref.predict(X, type="response")["fit"])
    assert clf.model_.summary() == ref.summary()
    np.testing.assert_array_equal(clf.predict(X), np.where(proba[:, 1] > 0.5, "yes", "no"))
    np.testing.assert_array_equal(clf.decision_function(X), ref.predict(X)["fit"])
    assert 0.7 < clf.score(X, labels) < 1
    # A Categorical keeps its order: here "yes" is the failure.
    ordered = pd.Series(pd.Categorical(labels, categories=["yes", "no"]))
    flipped = GAMClassifier(BINARY_FORMULA, cache=False).fit(X, ordered)
    assert flipped.classes_.tolist() == ["yes", "no"]
    np.testing.assert_allclose(flipped.predict_proba(X)[:, 1], proba[:, 0], rtol=1e-6)
    np.testing.assert_array_equal(flipped.predict(X), clf.predict(X))


def test_classifier_refuses_other_than_two_classes_and_missing_rows_in_predict(binary):
    X, labels, _ = binary
    three = np.where(X["x0"] > 0.7, "maybe", labels)
    with pytest.raises(ValueError, match="binary"):
        GAMClassifier(BINARY_FORMULA).fit(X, three)
    with pytest.raises(ValueError, match="one class"):
        GAMClassifier(BINARY_FORMULA).fit(X, np.full(len(X), "yes"))
    clf = GAMClassifier(BINARY_FORMULA).fit(X, labels)
    holes = X.copy()
    holes.iloc[5, 1] = np.nan
    assert np.isnan(clf.predict_proba(holes)[5]).all()
    with pytest.raises(ValueError, match="row 5 of X"):
        clf.predict(holes)


def test_classifier_cross_validation(binary):
    X, labels, _ = binary
    scores = cross_val_score(GAMClassifier(BINARY_FORMULA), X, labels, cv=4, scoring="roc_auc")
    assert scores.shape == (4,) and (scores > 0.7).all()


@parametrize_with_checks(
    [GAMRegressor(), GAMClassifier()], expected_failed_checks=expected_failed_checks, xfail_strict=True
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
