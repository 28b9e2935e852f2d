"""The public API: :func:`gam`, :func:`cv`, :func:`load`, :func:`loads` and
the fitted model :class:`GAM`. Arguments follow mgcv's ``gam()``; the engine
checks them and fits with the GIL released."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np

from . import _data, _diagnostics, _general, _plot, _progress, _warmgam
from ._general import GeneralGAM
from .errors import CacheError, CacheWarning, GamWarning, OptionError

__all__ = ["GAM", "CvResult", "GeneralGAM", "gam", "cv", "load", "loads"]

# Opened caches by directory (None = the default, keyed by $GAM_CACHE_DIR), so
# that a store is not reopened on every call.
_caches: dict[tuple[str, str | None], _warmgam.Cache] = {}


def _open_cache(cache: bool | str | os.PathLike[str]) -> _warmgam.Cache | None:
    if cache is False or cache is None:
        return None
    if cache is True:
        key = ("default", os.environ.get("GAM_CACHE_DIR"))
        if key not in _caches:
            try:
                _caches[key] = _warmgam.open_cache(None)
            except CacheError as e:
                # As the gam command: a default cache that cannot be used never fails the fit.
                warnings.warn(f"cache off: {e}", CacheWarning, stacklevel=3)
                return None
        return _caches[key]
    path = os.fspath(cache)
    key = ("dir", os.path.abspath(path))
    if key not in _caches:
        _caches[key] = _warmgam.open_cache(path)
    return _caches[key]


def _spec(formula: str, family: str, weights: str | None, method: str, scale: float, select: bool,
          knots: Mapping[str, Sequence[float]] | None, sp: Sequence[float] | None,
          min_sp: Sequence[float] | None, gamma: float, link: str | None,
          convergence: str) -> _warmgam.Spec:
    return _warmgam.spec(
        formula,
        family=family,
        link=link,
        weights=weights,
        method=method,
        scale=float(scale),
        gamma=float(gamma),
        sp=None if sp is None else [float(v) for v in sp],
        min_sp=None if min_sp is None else [float(v) for v in min_sp],
        knots=None if knots is None else {str(k): [float(v) for v in vs] for k, vs in knots.items()},
        select=bool(select),
        convergence=convergence,
    )


class GAM:
    """A fitted generalized additive model.

    >>> import numpy as np, warmgam as wg
    >>> x = np.linspace(0, 1, 50)
    >>> m = wg.gam("y ~ s(x)", data={"x": x, "y": np.sin(6 * x)}, cache=False)
    >>> m.converged, m.n
    (True, 50)
    >>> p = m.predict({"x": np.array([0.25, 0.5])}, se=True)
    >>> sorted(p)
    ['fit', 'se_fit']
    """

    __slots__ = ("_fitted", "_training", "_columns")

    def __init__(
        self, fitted: _warmgam.Fitted, training: _warmgam.Frame | None = None, columns: list[str] | None = None
    ) -> None:
        self._fitted = fitted
        self._training = training
        self._columns = columns

    # -- identity -----------------------------------------------------------
    @property
    def formula(self) -> str:
        """The formula as written."""
        return self._fitted.formula

    @property
    def family(self) -> str:
        """R's name of the family."""
        return self._fitted.family

    @property
    def link(self) -> str:
        """R's name of the link."""
        return self._fitted.link

    # -- coefficients and covariance ----------------------------------------
    @property
    def coefficients(self) -> np.ndarray:
        """The coefficients, in the order of :attr:`coefficient_names` (mgcv's ``coef``)."""
        return self._fitted.coefficients

    @property
    def coefficient_names(self) -> list[str]:
        """mgcv's coefficient names: ``(Intercept)``, ``s(x).1``, ..."""
        return self._fitted.coefficient_names

    @property
    def Vp(self) -> np.ndarray:  # noqa: N802 (mgcv's name)
        """The Bayesian posterior covariance of the coefficients (mgcv's ``Vp``)."""
        return self._fitted.vp

    @property
    def Ve(self) -> np.ndarray:  # noqa: N802 (mgcv's name)
        """The frequentist covariance of the coefficients (mgcv's ``Ve``)."""
        return self._fitted.ve

    @property
    def standard_errors(self) -> np.ndarray:
        """Bayesian standard errors of the coefficients."""
        return self._fitted.standard_errors

    @property
    def edf(self) -> dict[str, float]:
        """Effective degrees of freedom of each smooth term, by label."""
        return {label: edf for label, edf, _, _ in self._fitted.smooths}

    @property
    def edf_total(self) -> float:
        """Total effective degrees of freedom (parametric coefficients included)."""
        return self._fitted.edf_total

    @property
    def smooths(self) -> list[tuple[str, float, slice]]:
        """The smooth terms: label, EDF and the slice of their coefficients."""
        return [(label, edf, slice(a, b)) for label, edf, a, b in self._fitted.smooths]

    # -- smoothing and scale -------------------------------------------------
    @property
    def sp(self) -> dict[str, float]:
        """The smoothing parameters by mgcv's names."""
        return dict(zip(self._fitted.sp_names, self._fitted.sp.tolist()))

    @property
    def scale(self) -> float:
        """The scale parameter (mgcv's ``sig2``)."""
        return self._fitted.scale

    @property
    def scale_estimated(self) -> bool:
        """Whether the scale was estimated."""
        return self._fitted.scale_estimated

    @property
    def theta(self) -> float | None:
        """The estimated family parameter (negative binomial θ, Tweedie p, beta regression φ), if any."""
        return self._fitted.theta

    @property
    def family_parameters(self) -> list[float]:
        """The estimated family parameters as mgcv's ``family$getTheta(TRUE)`` gives them
        (scaled t: ν and σ; zero-inflated Poisson: its two); empty for a family without any."""
        return self._fitted.family_parameters

    @property
    def criterion(self) -> float:
        """The minimised smoothness criterion (mgcv's ``gcv.ubre``)."""
        return self._fitted.criterion

    @property
    def method(self) -> str:
        """Which criterion was minimised (``REML``, ``ML``, ``GCV``, ...)."""
        return self._fitted.method

    # -- fit statistics -------------------------------------------------------
    @property
    def deviance(self) -> float:
        """Residual deviance."""
        return self._fitted.deviance

    @property
    def null_deviance(self) -> float:
        """Deviance of the null model."""
        return self._fitted.null_deviance

    @property
    def deviance_explained(self) -> float:
        """Proportion of the null deviance explained."""
        return self._fitted.deviance_explained

    @property
    def log_likelihood(self) -> float:
        """The log-likelihood (mgcv's ``logLik``)."""
        return self._fitted.log_likelihood

    @property
    def aic(self) -> float:
        """AIC."""
        return self._fitted.aic

    @property
    def n(self) -> int:
        """Rows used in the fit."""
        return self._fitted.n

    @property
    def n_dropped(self) -> int:
        """Rows dropped because a column the model reads was missing (na.omit)."""
        return self._fitted.n_dropped

    @property
    def converged(self) -> bool:
        """Whether the smoothing-parameter search converged."""
        return self._fitted.converged

    @property
    def iterations(self) -> int:
        """Outer iterations of the smoothing-parameter search."""
        return self._fitted.iterations

    @property
    def warnings(self) -> list[str]:
        """What to know about the data or the fit (R's warnings)."""
        return self._fitted.warnings

    @property
    def cache(self) -> str | None:
        """Where the fit started: ``"exact hit"``, ``"resumed from checkpoint at
        iteration i"``, ``"seeded from a related fit"`` or ``"cold start"``;
        ``None`` for a model loaded from a file or unpickled."""
        return self._fitted.cache_status

    @property
    def predictor_columns(self) -> list[str]:
        """The columns new data must provide for :meth:`predict`."""
        return self._fitted.predictor_columns

    # -- prediction and reports ------------------------------------------------
    def predict(
        self,
        newdata: Any = None,
        type: Literal["link", "response", "terms"] = "link",  # noqa: A002 (mgcv's name)
        se: bool = False,
        terms: bool = False,
        exclude: Sequence[str] = (),
        na_action: Literal["pass", "error"] = "pass",
    ) -> Any:
        """Predictions at the rows of ``newdata`` (mgcv's ``predict.gam``), as a
        frame of the caller's kind (pandas keeps its index; a dict gives a dict
        of arrays) with the columns of ``gam predict``: ``fit``, ``se_fit``
        (``se=True``), one per term (``terms=True``). ``type="terms"`` gives
        the term columns alone. Only the model's predictor columns are read; a
        row with a missing one predicts NaN (mgcv's ``na.pass``), or with
        ``na_action="error"`` is an error naming it (the ``gam`` command's)."""
        frame = self._frame_for(newdata)
        like = {} if newdata is None else newdata
        only_terms = type == "terms"
        kind = "link" if only_terms else type
        fit, se_fit, term_cols = self._fitted.predict(
            frame, kind=kind, se=se and not only_terms, terms=terms or only_terms, exclude=list(exclude),
            na_action=na_action,
        )
        cols: dict[str, np.ndarray] = {}
        if not only_terms:
            cols["fit"] = fit
            if se_fit is not None:
                cols["se_fit"] = se_fit
        for label, values in term_cols:
            cols[label] = values
        return _data.output(like, cols)

    def lpmatrix(self, newdata: Any = None, na_action: Literal["pass", "error"] = "pass") -> tuple[np.ndarray, np.ndarray]:
        """The model matrix at the rows of ``newdata`` (mgcv's ``type = "lpmatrix"``)
        and the offset of each row: ``X @ m.coefficients + offset`` is the link
        prediction."""
        return self._fitted.lp_matrix(self._frame_for(newdata), na_action)

    def _frame_for(self, newdata: Any) -> _warmgam.Frame:
        if newdata is None:
            if self._training is None:
                raise ValueError("newdata is needed: this model was loaded, it holds no data")
            return self._training
        return _data.to_frame(newdata, self._fitted.predictor_columns, self._fitted.factor_columns)

    def residuals(self, type: str = "deviance", data: Any = None) -> Any:  # noqa: A002 (mgcv's name)
        """mgcv's ``residuals.gam`` (``deviance``, ``pearson``, ``scaled.pearson``,
        ``working``, ``response``) of the rows na.omit kept: of the data of the
        fit, or of ``data`` (pandas gives a Series on the kept rows' index)."""
        values, rows = self._fitted.residuals(type, self._training_frame(data))
        return self._on_rows(values, rows, data)

    def fitted_values(self, data: Any = None) -> Any:
        """mgcv's fitted values (the mean) of the rows na.omit kept, as :meth:`residuals`."""
        mu, _eta, rows = self._fitted.fitted_values(self._training_frame(data))
        return self._on_rows(mu, rows, data)

    def _training_frame(self, data: Any) -> _warmgam.Frame | None:
        if data is None:
            return None
        if self._columns is None:
            raise ValueError("a loaded model cannot read data for residuals or plots yet: refit it to get them")
        return _data.to_frame(data, self._columns, self._fitted.factor_columns)

    @staticmethod
    def _on_rows(values: np.ndarray, rows: np.ndarray, data: Any) -> Any:
        if data is not None and _data._module(data) == "pandas" and hasattr(data, "index"):
            import pandas as pd

            return pd.Series(values, index=data.index[rows.astype(np.intp)])
        return values

    def plot_data(
        self,
        data: Any = None,
        *,
        n: int = 100,
        n2: int = 40,
        too_far: float = 0.1,
        se_with_mean: bool = False,
        residuals: bool = False,
        all_terms: bool = False,
        se: float | None = None,
    ) -> list[dict[str, Any]]:
        """What mgcv's ``plot.gam`` draws for each smooth term (``pd <- plot(b)``),
        on the data of the fit (or ``data``, the data it was fitted to): per
        term a dict with ``label``, ``kind`` (``"curve"``, ``"surface"``,
        ``"random_effect"``, ``"parametric"``, ``"level_curves"``, ``"areas"``, ``"not_plotted"``), ``edf``, ``x``
        (and ``y`` for a surface), ``fit``, ``se`` (already times ``se_mult``: 2
        for a curve, 1 for a surface), ``exclude``, ``xlab``, ``ylab``, ``main``,
        ``raw`` (the training values) and with ``residuals`` ``p_resid``; numbers
        as float arrays, excluded grid points NaN. With ``all_terms`` the
        parametric main effects follow, as R's ``termplot`` gives them (a
        factor's ``levels`` at x = 1, 2, ...). A ``"level_curves"`` term (``bs = "fs"``
        or ``"sz"``) holds one curve per factor level one after another in ``fit``,
        named by ``levels``. An ``"areas"`` term (``bs = "mrf"`` whose neighbourhood
        file gives polygons) holds one value per area in ``fit``, named by ``levels``,
        and each area's rings (lists of ``[x, y]``) in ``polygons``. ``se`` sets every band to that
        many standard errors (mgcv's numeric ``se``). The numbers
        ``gam plot --json`` prints.

        >>> import numpy as np, warmgam as wg
        >>> x = np.linspace(0, 1, 80)
        >>> m = wg.gam("y ~ s(x, k = 8)", data={"x": x, "y": np.sin(6 * x)}, cache=False)
        >>> t = m.plot_data()[0]
        >>> t["kind"], len(t["x"]), t["ylab"].startswith("s(x,")
        ('curve', 100, True)
        """
        doc = self._plot_document(data, n, n2, too_far, se_with_mean, residuals, all_terms, se)
        return [_plot.term_arrays(t) for t in doc["terms"]]

    def _plot_document(
        self,
        data: Any,
        n: int,
        n2: int,
        too_far: float,
        se_with_mean: bool,
        residuals: bool,
        all_terms: bool,
        se: float | None = None,
    ) -> dict[str, Any]:
        text = self._fitted.plot_json(
            self._training_frame(data), n, n2, too_far, se_with_mean, residuals, all_terms, se
        )
        doc: dict[str, Any] = json.loads(text)
        return doc

    def plot(
        self,
        data: Any = None,
        *,
        select: Sequence[int | str] | None = None,
        residuals: bool = False,
        se_with_mean: bool = False,
        shade: bool = False,
        n: int = 100,
        n2: int = 40,
        too_far: float = 0.1,
        all_terms: bool = False,
        scale: int = -1,
        se: float | None = None,
        figsize: tuple[float, float] | None = None,
    ) -> Any:
        """mgcv's ``plot.gam`` panels on one matplotlib figure (``pages = 1``):
        each smooth with its band of two standard errors (dashed, or shaded
        with ``shade``), a rug, and with ``residuals`` its partial residuals;
        a two-covariate smooth as contours; a random effect as a QQ plot;
        with ``all_terms`` the parametric terms as ``termplot`` draws them.
        Curves share one y scale (mgcv's ``scale = -1``) unless ``scale=0``.
        ``select`` picks terms by position or label. Returns the figure
        (needs matplotlib)."""
        if scale not in (-1, 0):
            raise ValueError(f"scale={scale!r}: give -1 (one y scale for every curve, mgcv's default) or 0")
        doc = self._plot_document(data, n, n2, too_far, se_with_mean, residuals, all_terms, se)
        terms = [_plot.term_arrays(t) for t in doc["terms"]]
        ylim = doc.get("ylim") if scale == -1 else None
        return _plot.draw(terms, select=select, residuals=residuals, shade=shade, figsize=figsize, ylim=ylim)

    def check(self, data: Any = None, *, seed: int = 1, k_rep: int = 200, k_sample: int = 5000) -> _diagnostics.Check:
        """mgcv's ``gam.check`` on the data of the fit (or ``data``, the data it
        was fitted to): ``print()`` it for the convergence report and the
        basis-dimension table (k-index with its permutation p-value, seeded by
        ``seed``); ``.plot()`` draws the four residual plots. The bytes
        ``gam check`` prints.

        >>> import numpy as np, warmgam as wg
        >>> x = np.linspace(0, 1, 100)
        >>> m = wg.gam("y ~ s(x)", data={"x": x, "y": np.sin(6 * x) + np.cos(np.arange(100.0))}, cache=False)
        >>> c = m.check()
        >>> c.k_check[0]["term"], str(c).splitlines()[1]
        ('s(x)', 'Method: REML   Optimizer: outer newton')
        """
        text, doc = self._fitted.check(self._training_frame(data), seed, k_rep, k_sample)
        return _diagnostics.Check(text, json.loads(doc))

    def concurvity(self, data: Any = None, *, full: bool = True) -> _diagnostics.Concurvity:
        """mgcv's ``concurvity(b, full)`` on the data of the fit (or ``data``):
        how far each term lies in the span of the others (``full``) or of each
        other term, as the measures worst, observed and estimate. ``print()``
        it for R's table; the bytes ``gam concurvity`` prints."""
        text, doc = self._fitted.concurvity(self._training_frame(data), full)
        return _diagnostics.Concurvity(text, json.loads(doc))

    def sample(
        self,
        n: int = 1000,
        *,
        seed: int = 1,
        data: Any = None,
        type: Literal["link", "response"] = "link",
        unconditional: bool = False,
    ) -> np.ndarray:
        """``n`` draws from the posterior of the coefficients, ``N(coef, Vp)``
        (mgcv's ``rmvn(n, coef(b), vcov(b))``): an ``n × p`` array, columns in
        ``coefficient_names`` order; with ``data``, each draw's fitted values
        at its rows instead (``n × rows``, on the ``type`` scale), for
        simultaneous intervals and derived quantities. With
        ``unconditional`` the draws are from ``N(coef, Vc)``, the covariance
        corrected for smoothing-parameter uncertainty (mgcv's
        ``vcov(b, unconditional = TRUE)``). The same ``seed`` gives the same
        draws (as ``gam sample``).

        >>> import numpy as np, warmgam as wg
        >>> x = np.linspace(0, 1, 50)
        >>> m = wg.gam("y ~ s(x, k = 5)", data={"x": x, "y": np.sin(6 * x)}, cache=False)
        >>> m.sample(10, seed=3).shape, m.sample(4, data={"x": x[:7]}).shape
        ((10, 5), (4, 7))
        """
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n={n!r}: give a number of draws of at least 1")
        frame = None if data is None else self._frame_for(data)
        return self._fitted.sample(int(n), int(seed), frame, type, bool(unconditional))

    def summary(self) -> str:
        """mgcv's ``summary.gam`` printout: the text ``gam fit`` prints."""
        return self._fitted.summary()

    # -- persistence --------------------------------------------------------------
    def to_json(self) -> str:
        """The model file's JSON."""
        return self._fitted.to_json()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes the model file atomically (``gam summary`` and ``gam predict`` read it)."""
        self._fitted.save(os.fspath(path))

    def __reduce__(self) -> tuple[Callable[[str], GAM], tuple[str]]:
        # Pickle goes through the model file's JSON (the training data and the
        # cache status are not kept).
        return (loads, (self.to_json(),))

    def __repr__(self) -> str:
        return (
            f"<warmgam.GAM {self.formula!r} {self.family}({self.link}), n = {self.n}, "
            f"edf = {self.edf_total:.3f}, {self.method} = {self.criterion:.6g}>"
        )


class CvResult:
    """A cross-validation: ``str()`` is the table ``gam cv`` prints, :meth:`to_json`
    its ``--json`` document, and the numbers are attributes.

    >>> import numpy as np, warmgam as wg
    >>> x = np.linspace(0, 1, 200); y = np.sin(6 * x) + np.cos(np.arange(200.0))
    >>> r = wg.cv("y ~ s(x)", data={"x": x, "y": y}, folds=5, cache=False)
    >>> len(r.folds), r.folds[0]["fold"], r.n
    (5, 1, 200)
    >>> bool(r.mean_deviance > 0)
    True
    """

    __slots__ = ("_doc", "_report")

    def __init__(self, report: _warmgam.CvReport) -> None:
        self._report = report
        self._doc: dict[str, Any] | None = None

    def __str__(self) -> str:
        return str(self._report)

    def __repr__(self) -> str:
        return f"<warmgam CvResult: {self.formula}, {len(self.folds)} folds, mean deviance {self.mean_deviance:.6g}>"

    def to_json(self) -> str:
        """The JSON document ``gam cv --json`` prints, byte for byte."""
        return self._report.to_json()

    def _get(self, name: str) -> Any:
        if self._doc is None:
            self._doc = json.loads(self._report.to_json())
        return self._doc[name]

    @property
    def formula(self) -> str:
        """The formula as written."""
        return self._get("formula")

    @property
    def n(self) -> int:
        """Rows used (after rows with a missing value were dropped)."""
        return self._get("n")

    @property
    def n_dropped(self) -> int:
        """Rows dropped for a missing value."""
        return self._get("n_dropped")

    @property
    def folds(self) -> list[dict[str, Any]]:
        """One dict per fold: ``fold``, ``n_train``, ``n_test``, ``deviance`` (held-out,
        the family's sum of w·d(y, μ)), ``deviance_per_row``, ``outer_iterations``,
        ``start`` (``exact_hit``, ``resumed``, ``seeded`` or ``cold``) and ``reml_score``."""
        return [dict(f) for f in self._get("fold")]

    @property
    def mean_deviance(self) -> float:
        """Mean over folds of the held-out deviance."""
        return self._get("mean_deviance")

    @property
    def mean_deviance_per_row(self) -> float:
        """Total held-out deviance divided by the number of rows."""
        return self._get("mean_deviance_per_row")

    def predictions(self) -> dict[str, np.ndarray]:
        """The held-out prediction of every row used: ``row`` (0-based row of the
        input, counting rows later dropped), ``fold`` (1-based) and ``mu`` (the
        predicted mean), in row order; ``gam cv --predictions`` writes the same."""
        rows, folds, mu = self._report.predictions()
        return {"row": rows, "fold": folds, "mu": mu}


def _warn(fitted: _warmgam.Fitted) -> None:
    if fitted.cache_warning:
        warnings.warn(f"cache off: {fitted.cache_warning}", CacheWarning, stacklevel=3)
    for w in fitted.warnings:
        warnings.warn(w, GamWarning, stacklevel=3)


def gam(
    formula: str,
    family: str = "gaussian",
    data: Any = None,
    weights: str | None = None,
    method: str = "REML",
    scale: float = 0.0,
    select: bool = False,
    knots: Mapping[str, Sequence[float]] | None = None,
    sp: Sequence[float] | None = None,
    min_sp: Sequence[float] | None = None,
    gamma: float = 1.0,
    *,
    link: str | None = None,
    factors: Sequence[str] = (),
    ordered: Sequence[str] = (),
    convergence: Literal["auto", "gam", "bam"] = "auto",
    cache: bool | str | os.PathLike[str] = True,
    verify_cache: bool = False,
    progress: bool | Callable[..., object] | None = None,
) -> GAM | GeneralGAM:
    """Fits a generalized additive model, as ``mgcv::gam`` (``method="REML"``
    by default) and the ``gam fit`` command do.

    A general family (``gaulss``, ``gammals``, ``ziplss``, ``gevlss``, ``shash``,
    ``multinom(K=...)``: a list formula, one formula per linear predictor,
    ``"list(y ~ s(x), ~ s(z))"``; ``cox.ph``: one formula ``"time ~ s(x)"`` with the
    event indicator as ``weights``) gives a :class:`GeneralGAM`; every other family a
    :class:`GAM`.

    ``data`` is a pandas or polars DataFrame, a pyarrow table, anything
    exporting the Arrow C stream, or a dict of arrays; only the columns the
    formula reads are read, and rows with a missing value in one are dropped
    (mgcv's ``na.omit``). ``factors``/``ordered`` name columns to read as
    (ordered) factors, as ``gam fit --factor/--ordered`` (a pandas
    ``Categorical(ordered=True)`` is one already); an ordered factor as a
    smooth's ``by`` gets smooths for its levels after the first, as in mgcv
    (``"y ~ o + s(x) + s(x, by = o)"``). ``scale`` is
    mgcv's: above 0 known, below 0 estimated, 0 the family's default.
    ``cache`` is True
    (the ``gam`` command's cache: ``$GAM_CACHE_DIR`` or the platform
    directory), False, or a directory. The fit runs with the GIL released;
    Ctrl-C stops it (``KeyboardInterrupt``) leaving its checkpoint, so the
    same call resumes.

    >>> import numpy as np, warmgam as wg
    >>> rng = np.random.default_rng(1)
    >>> x = rng.uniform(size=200)
    >>> m = wg.gam("y ~ s(x)", data={"x": x, "y": np.sin(6 * x) + rng.normal(0, 0.1, 200)}, cache=False)
    >>> m.cache
    'cold start'
    >>> round(m.edf["s(x)"]) > 3
    True
    """
    if _warmgam.is_general_family(family):
        if link is not None or scale != 0.0:
            raise OptionError(
                f"{'link' if link is not None else 'scale'}: not supported for general families ({family}) yet"
            )
        return _general.fit(formula, family, data, weights, method, select, knots, sp, min_sp, gamma, factors,
                            ordered, convergence, _open_cache(cache), progress)
    spec = _spec(formula, family, weights, method, scale, select, knots, sp, min_sp, gamma, link, convergence)
    frame = _data.to_frame(data, spec.columns(), factors, ordered)
    store = _open_cache(cache)
    callback = _progress.resolve(progress)
    try:
        fitted = _warmgam.fit(spec, frame, store, verify_cache, callback)
    finally:
        if isinstance(callback, _progress.Progress):
            callback.close()
    _warn(fitted)
    return GAM(fitted, frame, spec.columns())


def cv(
    formula: str,
    family: str = "gaussian",
    data: Any = None,
    weights: str | None = None,
    method: str = "REML",
    scale: float = 0.0,
    select: bool = False,
    knots: Mapping[str, Sequence[float]] | None = None,
    sp: Sequence[float] | None = None,
    min_sp: Sequence[float] | None = None,
    gamma: float = 1.0,
    *,
    link: str | None = None,
    factors: Sequence[str] = (),
    ordered: Sequence[str] = (),
    convergence: Literal["auto", "gam", "bam"] = "auto",
    folds: int = 10,
    seed: int = 1,
    cache: bool | str | os.PathLike[str] = True,
    verify_cache: bool = False,
    progress: bool | Callable[..., object] | None = None,
) -> CvResult:
    """Cross-validates the model of :func:`gam` in ``folds`` folds, as ``gam cv``;
    each fold's fit starts from the others' smoothing parameters."""
    spec = _spec(formula, family, weights, method, scale, select, knots, sp, min_sp, gamma, link, convergence)
    frame = _data.to_frame(data, spec.columns(), factors, ordered)
    callback = _progress.resolve(progress)
    try:
        report = _warmgam.cross_validate(spec, frame, folds, seed, _open_cache(cache), verify_cache, callback)
    finally:
        if isinstance(callback, _progress.Progress):
            callback.close()
    return CvResult(report)


def load(path: str | os.PathLike[str]) -> GAM | GeneralGAM:
    """Reads a model file written by :meth:`GAM.save`, :meth:`GeneralGAM.save` or
    ``gam fit --out`` (a general-family model gives a :class:`GeneralGAM`)."""
    if _warmgam.GeneralFitted.is_general_file(os.fspath(path)):
        return GeneralGAM(_warmgam.GeneralFitted.load(os.fspath(path)))
    return GAM(_warmgam.Fitted.load(os.fspath(path)))


def loads(json: str | bytes) -> GAM | GeneralGAM:
    """A model from the JSON of :meth:`GAM.to_json` or :meth:`GeneralGAM.to_json`
    (refused unless consistent)."""
    if _warmgam.GeneralFitted.is_general_json(json):
        return GeneralGAM(_warmgam.GeneralFitted.from_json(json))
    return GAM(_warmgam.Fitted.from_json(json))
