"""scikit-learn estimators: :class:`GAMRegressor` and :class:`GAMClassifier`.

They fit :func:`warmgam.gam` inside scikit-learn's tools (``clone``,
``cross_val_score``, ``GridSearchCV``, ``Pipeline``). ``fit(X, y)`` takes
``X``, a DataFrame of covariates (pandas, polars or a pyarrow table; only the
columns the formula reads are read, Categoricals are factors) or a 2-D array
whose columns the formula calls ``x0``, ``x1``, ...; ``y`` becomes the
column the formula's left side names. Without a formula the model is the
additive default of the ``gam`` engine (``Gam::additive``): a smooth
``s(col, k = ...)`` of each numeric column with at least 4 distinct values,
a linear term of one with 2 or 3, a factor term of a categorical or text
column, ``k`` lowered so that the coefficients stay fewer than the rows. The
fitted model is ``model_`` (a :class:`warmgam.GAM`: ``model_.summary()``)
and the formula used ``formula_``.

Missing values in ``X`` follow mgcv's ``na.omit`` (rows dropped by ``fit``;
``predict`` gives NaN there, and :meth:`GAMClassifier.predict` refuses
them); ``y`` must be complete. Cross-validation folds seed each other
through the warm-start cache (``cache=True``, the ``gam`` command's, or a
directory): the fit of each fold after the first starts from the smoothing
parameters of the folds before it.

scikit-learn's estimator checks (``sklearn.utils.estimator_checks``) pass,
except these (:func:`expected_failed_checks` lists them for
``parametrize_with_checks``), which fail on the checks' data, not on the
estimators' API:

- ``check_sample_weight_equivalence_on_dense_data`` (both estimators): its
  data have 30 features and 15 rows, so the additive model has more
  coefficients than rows, which mgcv refuses. Nor would a GAM pass it on
  other data: ``sample_weight`` is mgcv's prior weights, not frequency
  weights, and under REML the smoothing parameters depend on the number of
  rows, so a row of weight 2 does not fit as the row repeated.
- 20 checks of :class:`GAMClassifier` (``check_estimators_pickle``,
  ``check_fit2d_predict1d``, ``check_classifiers_classes``, ...: the
  ``_SEPARATED`` list) fit a ``y`` that a column of ``X`` separates
  perfectly (``y = X[:, 0].astype(int)``, well separated blobs). The
  engine refuses such a binomial fit (a ``FitError`` naming the term), whose
  coefficients would be infinite, where mgcv warns and returns them. The
  same properties are tested on data whose classes overlap.

>>> import numpy as np
>>> from warmgam.sklearn import GAMRegressor
>>> rng = np.random.default_rng(0)
>>> X = rng.uniform(size=(200, 2))
>>> y = np.sin(6 * X[:, 0]) + X[:, 1] + rng.normal(0, 0.1, 200)
>>> reg = GAMRegressor(cache=False).fit(X, y)
>>> reg.formula_
'y ~ s(x0, k = 10) + s(x1, k = 10)'
>>> round(reg.score(X, y), 2)
0.99
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, check_consistent_length, check_is_fitted, column_or_1d, validate_data

from . import _data, _warmgam
from ._api import GAM, gam

__all__ = ["GAMRegressor", "GAMClassifier", "expected_failed_checks"]

# Families whose response must be positive or non-negative (scikit-learn's
# target tag `positive_only` makes its checks generate such a y).
_POSITIVE_FAMILIES = ("poisson", "Gamma", "inverse.gaussian", "nb", "tw", "quasipoisson", "ocat", "ziP")


# The classifier's checks that fit a y which X separates perfectly (y a
# step function of one column, or well separated blobs).
_SEPARATED = (
    "check_classifier_data_not_an_array",
    "check_classifiers_classes",
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_estimators_dtypes",
    "check_estimators_fit_returns_self",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_fit2d_1feature",
    "check_fit2d_predict1d",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in_after_fitting",
    "check_pipeline_consistency",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
    "check_sample_weights_list",
    "check_sample_weights_not_overwritten",
    "check_sample_weights_shape",
)


def expected_failed_checks(estimator: BaseEstimator) -> dict[str, str]:
    """The scikit-learn estimator checks ``estimator`` fails, each with its
    reason, for ``parametrize_with_checks(..., expected_failed_checks=...)``
    (the module's docstring explains them).

    >>> from warmgam.sklearn import GAMClassifier, GAMRegressor, expected_failed_checks
    >>> list(expected_failed_checks(GAMRegressor()))
    ['check_sample_weight_equivalence_on_dense_data']
    >>> len(expected_failed_checks(GAMClassifier()))
    21
    """
    failures = {
        "check_sample_weight_equivalence_on_dense_data": (
            "its data have 30 features and 15 rows: more coefficients than rows, which mgcv refuses; "
            "and sample_weight is mgcv's prior weights, not frequency weights (under REML the smoothing "
            "parameters depend on the number of rows, so weight 2 is not the row repeated)"
        ),
    }
    if isinstance(estimator, GAMClassifier):
        reason = (
            "the check's y is perfectly separated by X: the engine refuses the binomial fit (FitError, "
            "its coefficients would be infinite) where mgcv warns and returns them"
        )
        failures.update(dict.fromkeys(_SEPARATED, reason))
    return failures


def _fresh(base: str, taken: Sequence[str]) -> str:
    """``base``, or ``base_``, ``base__``, ... : the first not in ``taken``."""
    name = base
    while name in taken:
        name += "_"
    return name


def _frame_names(X: Any) -> list[str] | None:
    """The column names of a pandas or polars DataFrame or a pyarrow table
    whose names are all text (scikit-learn's feature names), else None: such
    an X is read as a table, anything else as an array."""
    mod = _data._module(X)
    if mod == "pandas" and type(X).__name__ == "DataFrame":
        names = list(X.columns)
    elif mod == "polars" and type(X).__name__ == "DataFrame":
        names = list(X.columns)
    elif mod == "pyarrow" and type(X).__name__ in ("Table", "RecordBatch"):
        names = list(X.schema.names)
    else:
        return None
    return names if names and all(isinstance(n, str) for n in names) else None


def _with_columns(X: Any, extra: dict[str, np.ndarray]) -> Any:
    """A new table: the columns of ``X`` and ``extra`` (``X`` is unchanged)."""
    mod = _data._module(X)
    if mod == "pandas":
        return X.assign(**extra)
    if mod == "polars":
        import polars as pl

        return X.with_columns([pl.Series(name, values) for name, values in extra.items()])
    import pyarrow as pa

    table = X if type(X).__name__ == "Table" else pa.Table.from_batches([X])
    for name, values in extra.items():
        table = table.append_column(name, pa.array(values))
    return table


def _response(formula: str) -> str:
    """The column the formula's left side names: one column, as written."""
    columns = _warmgam.spec(formula).response_columns()
    if len(columns) != 1:
        raise ValueError(
            f"the formula's left side reads {len(columns)} columns ({', '.join(columns)}): "
            "a scikit-learn estimator takes y as one column; use warmgam.gam for cbind() responses"
        )
    lhs = formula.split("~", 1)[0].strip()
    if lhs.strip("`") != columns[0]:
        raise ValueError(
            f"the formula's left side is the expression {lhs}: name the column itself "
            f"({columns[0]}) and transform y before fit (e.g. sklearn.compose.TransformedTargetRegressor)"
        )
    return columns[0]


class _GAMEstimator(BaseEstimator):
    """What the regressor and the classifier share: reading X and y, the
    fit, and predictions on the response or link scale."""

    # Set by the subclass's fit.
    model_: GAM
    formula_: str

    def _family(self) -> str:
        raise NotImplementedError

    def _read_X(self, X: Any, y: Any) -> tuple[Any, list[str], dict[str, Any]]:
        """Checks X for fit (and sets ``feature_names_in_``, ``n_features_in_``)
        and that there is a y: X as read, its column names (``x0``, ... for an
        array), and for an array its columns by name."""
        if y is None:
            raise ValueError(f"This {type(self).__name__} estimator requires y to be passed, but the target y is None.")
        names = _frame_names(X)
        if names is None:
            X = validate_data(self, X, reset=True, dtype="numeric", ensure_all_finite="allow-nan", ensure_min_samples=2)
            names = [f"x{j}" for j in range(X.shape[1])]
            return X, names, {n: X[:, j] for j, n in enumerate(names)}
        validate_data(self, X, skip_check_array=True, reset=True)
        if X.shape[0] < 2:
            raise ValueError(
                f"Found array with {X.shape[0]} sample(s) (shape={X.shape}) while a minimum of 2 "
                f"is required by {type(self).__name__}."
            )
        return X, names, {}

    def _fit_gam(self, X: Any, names: list[str], columns: dict[str, Any], y: np.ndarray, weights: Any) -> None:
        """Fits ``model_`` to X (as :meth:`_read_X` gives it) and the encoded
        response ``y`` (float64), with the checked prior ``weights`` or None."""
        check_consistent_length(X, y)
        response = _response(self.formula) if self.formula is not None else _fresh("y", names)
        if response in names:
            raise ValueError(
                f"X has a column '{response}', the formula's response: pass it as y, not in X"
            )
        extra = {response: y}
        weights_column = None
        if weights is not None:
            weights_column = _fresh("sample_weight", [*names, response])
            extra[weights_column] = weights

        def data(with_weights: bool) -> Any:
            add = extra if with_weights else {response: y}
            return {**columns, **add} if columns else _with_columns(X, add)

        formula = self.formula
        if formula is None:
            whole = _data.to_frame(data(False), [*names, response], self.factors, self.ordered)
            formula = _warmgam.additive_formula(response, whole)
        self.model_ = gam(
            formula,
            family=self._family(),
            data=data(True),
            weights=weights_column,
            method=self.method,
            scale=getattr(self, "scale", 0.0),
            select=self.select,
            knots=self.knots,
            sp=self.sp,
            gamma=self.gamma,
            link=self.link,
            factors=self.factors,
            ordered=self.ordered,
            convergence=self.convergence,
            cache=self.cache,
            progress=self.progress,
        )
        self.formula_ = formula
        self._array_names = None if hasattr(self, "feature_names_in_") else names

    @staticmethod
    def _weights(sample_weight: Any, n: int) -> np.ndarray | None:
        """``sample_weight`` checked: one finite weight per row, not all zero (the
        engine refuses a negative one, naming its row)."""
        if sample_weight is None:
            return None
        w = check_array(sample_weight, ensure_2d=False, dtype=np.float64, input_name="sample_weight")
        if w.ndim != 1 or w.shape[0] != n:
            raise ValueError(f"sample_weight has shape {w.shape}: it needs one weight per row of X ({n},)")
        if not np.any(w > 0):
            raise ValueError("sample_weight: every weight is zero, at least one must be above zero")
        return w

    def _prediction(self, X: Any, kind: Literal["link", "response"]) -> np.ndarray:
        """The model's prediction at the rows of X (NaN where a column it reads is missing)."""
        check_is_fitted(self, "model_")
        if _frame_names(X) is None:
            X = validate_data(self, X, reset=False, dtype="numeric", ensure_all_finite="allow-nan")
            names = self._array_names if self._array_names is not None else list(self.feature_names_in_)
            X = {n: X[:, j] for j, n in enumerate(names)}
        else:
            validate_data(self, X, skip_check_array=True, reset=False)
        fitted = self.model_._fitted
        frame = _data.to_frame(X, fitted.predictor_columns, fitted.factor_columns)
        fit, _, _ = fitted.predict(frame, kind=kind, se=False, terms=False, exclude=[], na_action="pass")
        return fit

    def __sklearn_tags__(self):  # noqa: D105 (scikit-learn's protocol)
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # mgcv's na.omit
        tags.input_tags.sparse = False
        tags.target_tags.required = True
        tags.target_tags.multi_output = False
        tags.target_tags.single_output = True
        return tags


class GAMRegressor(RegressorMixin, _GAMEstimator):
    """A generalized additive model as a scikit-learn regressor: ``predict``
    gives the fitted mean (the response scale) and ``score`` R².

    Parameters are those of :func:`warmgam.gam`: ``formula`` (None: the
    additive default of every column of X), ``method``, ``gamma``,
    ``select``, ``knots``, ``sp``, ``link``, ``factors``/``ordered`` (columns
    of X read as factors), ``convergence``, ``cache`` (True: the ``gam``
    command's cache; False; or a directory) and ``progress``.

    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn.model_selection import cross_val_score
    >>> from warmgam.sklearn import GAMRegressor
    >>> rng = np.random.default_rng(2)
    >>> X = pd.DataFrame({"times": rng.uniform(0, 60, 300)})
    >>> y = np.sin(X["times"] / 10) + rng.normal(0, 0.2, 300)
    >>> reg = GAMRegressor("accel ~ s(times, k = 20)", cache=False)
    >>> scores = cross_val_score(reg, X, y, cv=3)
    >>> bool(scores.min() > 0.7)
    True
    >>> reg.fit(X, y).feature_names_in_.tolist()
    ['times']
    """

    def __init__(
        self,
        formula: str | None = None,
        family: str = "gaussian",
        method: str = "REML",
        gamma: float = 1.0,
        select: bool = False,
        scale: float = 0.0,
        knots: Mapping[str, Sequence[float]] | None = None,
        sp: Sequence[float] | None = None,
        link: str | None = None,
        factors: Sequence[str] = (),
        ordered: Sequence[str] = (),
        convergence: Literal["auto", "gam", "bam"] = "auto",
        cache: bool | str | os.PathLike[str] = True,
        progress: bool | Callable[..., object] | None = None,
    ) -> None:
        self.formula = formula
        self.family = family
        self.method = method
        self.gamma = gamma
        self.select = select
        self.scale = scale
        self.knots = knots
        self.sp = sp
        self.link = link
        self.factors = factors
        self.ordered = ordered
        self.convergence = convergence
        self.cache = cache
        self.progress = progress

    def _family(self) -> str:
        return self.family

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> GAMRegressor:
        """Fits the model to the covariates ``X`` and the response ``y``;
        ``sample_weight`` is mgcv's prior ``weights``."""
        X, names, columns = self._read_X(X, y)
        y = column_or_1d(y, warn=True)
        y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y").astype(np.float64)
        self._fit_gam(X, names, columns, y, self._weights(sample_weight, len(y)))
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The fitted mean at the rows of ``X`` (NaN where a column the model reads is missing)."""
        return self._prediction(X, "response")

    def __sklearn_tags__(self):  # noqa: D105 (scikit-learn's protocol)
        tags = super().__sklearn_tags__()
        family = str(self.family).split("(")[0].strip()
        tags.target_tags.positive_only = family in _POSITIVE_FAMILIES
        return tags


class GAMClassifier(ClassifierMixin, _GAMEstimator):
    """A binomial generalized additive model (logit link by default) as a
    scikit-learn classifier of two classes. ``classes_`` are the labels of
    ``y`` sorted (a pandas Categorical's in its order); the first is
    mgcv's failure (0), the second its success (1), so ``predict_proba``'s
    second column is the model's fitted probability.

    Parameters are those of :func:`warmgam.gam`: ``formula`` (None: the
    additive default of every column of X), ``method``, ``gamma``,
    ``select``, ``knots``, ``sp``, ``link``, ``factors``/``ordered`` (columns
    of X read as factors), ``convergence``, ``cache`` (True: the ``gam``
    command's cache; False; or a directory) and ``progress``.

    >>> import numpy as np
    >>> from warmgam.sklearn import GAMClassifier
    >>> rng = np.random.default_rng(3)
    >>> X = rng.uniform(-2, 2, size=(400, 1))
    >>> y = np.where(rng.uniform(size=400) < 1 / (1 + np.exp(-2 * np.sin(2 * X[:, 0]))), "yes", "no")
    >>> clf = GAMClassifier(cache=False).fit(X, y)
    >>> clf.classes_.tolist()
    ['no', 'yes']
    >>> clf.predict_proba(X[:2]).sum(axis=1).round(12).tolist()
    [1.0, 1.0]
    """

    def __init__(
        self,
        formula: str | None = None,
        link: str = "logit",
        method: str = "REML",
        gamma: float = 1.0,
        select: bool = False,
        knots: Mapping[str, Sequence[float]] | None = None,
        sp: Sequence[float] | None = None,
        factors: Sequence[str] = (),
        ordered: Sequence[str] = (),
        convergence: Literal["auto", "gam", "bam"] = "auto",
        cache: bool | str | os.PathLike[str] = True,
        progress: bool | Callable[..., object] | None = None,
    ) -> None:
        self.formula = formula
        self.link = link
        self.method = method
        self.gamma = gamma
        self.select = select
        self.knots = knots
        self.sp = sp
        self.factors = factors
        self.ordered = ordered
        self.convergence = convergence
        self.cache = cache
        self.progress = progress

    def _family(self) -> str:
        return "binomial"

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> GAMClassifier:
        """Fits the model to the covariates ``X`` and the two classes of ``y``;
        ``sample_weight`` is mgcv's prior ``weights``."""
        X, names, columns = self._read_X(X, y)
        categories = None
        if _data._module(y) == "pandas" and str(getattr(y, "dtype", "")) == "category":
            categories = list(y.cat.categories)
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        weights = self._weights(sample_weight, len(y))
        kind = type_of_target(y, input_name="y", raise_unknown=True)
        if kind != "binary":
            raise ValueError(
                f"Only binary classification is supported. The type of the target is {kind}: "
                f"{type(self).__name__} fits mgcv's binomial family (two classes)"
            )
        present = np.unique(y)
        classes = present if categories is None else np.array([c for c in categories if c in set(present)], dtype=object)
        weighted = np.unique(y if weights is None else y[weights > 0])
        if len(weighted) < 2:
            where = "in y" if len(classes) < 2 else "among the rows of positive sample_weight"
            raise ValueError(
                f"{type(self).__name__} needs two classes {where}, got one class ({weighted[0]!r}): "
                "a binomial model of one class cannot be fitted"
            )
        self.classes_ = classes
        self._fit_gam(X, names, columns, (y == classes[1]).astype(np.float64), weights)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """The linear predictor (log-odds with the logit link) at the rows of ``X``."""
        return self._prediction(X, "link")

    def predict_proba(self, X: Any) -> np.ndarray:
        """The probability of each class (columns in the order of ``classes_``)."""
        p = self._prediction(X, "response")
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """The more probable class of each row of ``X``; a row with a missing
        value in a column the model reads has none (an error naming it)."""
        p = self._prediction(X, "response")
        missing = np.flatnonzero(np.isnan(p))
        if missing.size:
            raise ValueError(
                f"row {missing[0]} of X (of {missing.size} such rows) has a missing value in a column the model "
                "reads: it has no class; drop or impute it (predict_proba gives NaN there)"
            )
        return self.classes_[(p > 0.5).astype(np.intp)]

    def __sklearn_tags__(self):  # noqa: D105 (scikit-learn's protocol)
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags
