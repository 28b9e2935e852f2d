"""General families (mgcv's ``general.family``: several linear predictors, one formula
each, e.g. ``gaulss``, ``multinom(K=2)``; and ``cox.ph``, one formula with the event
indicator as ``weights``): the fitted model :class:`GeneralGAM`, which :func:`warmgam.gam`
returns for such a family. Its names mirror :class:`warmgam.GAM`'s where they mean the
same; what has no single answer for several predictors (link, scale, residuals, plots) is
not offered."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np

from . import _data, _progress, _warmgam
from .errors import CacheWarning

__all__ = ["GeneralGAM"]


class GeneralGAM:
    """A fitted general-family model (``gam fit --family gaulss``, ``multinom(K=...)``,
    ``cox.ph``, ...).

    >>> import numpy as np, warmgam as wg
    >>> rng = np.random.default_rng(1)
    >>> x0, x1 = rng.uniform(size=200), rng.uniform(size=200)
    >>> y = np.sin(6 * x0) + rng.normal(size=200) * (0.2 + x1)
    >>> m = wg.gam("list(y ~ s(x0), ~ s(x1))", data={"x0": x0, "x1": x1, "y": y}, family="gaulss", cache=False)
    >>> m.links, sorted(m.edf)
    (['identity', 'logb'], ['s(x0)', 's.1(x1)'])
    >>> list(m.predict({"x0": x0[:3], "x1": x1[:3]}, se=True))
    ['fit_1', 'fit_2', 'se_fit_1', 'se_fit_2']
    """

    __slots__ = ("_fitted", "_training")

    def __init__(self, fitted: _warmgam.GeneralFitted, training: _warmgam.Frame | None = None) -> None:
        self._fitted = fitted
        self._training = training

    # -- identity -----------------------------------------------------------
    @property
    def formula(self) -> str:
        """The formula as written (a list, or cox.ph's one formula)."""
        return self._fitted.formula

    @property
    def formulas(self) -> list[str]:
        """Each linear predictor's formula as written (later ones without a response)."""
        return self._fitted.formulas

    @property
    def family(self) -> str:
        """The family as ``gam fit --family`` spells it (``gaulss``, ``multinom(K=2)``, ``cox.ph``)."""
        return self._fitted.family

    @property
    def links(self) -> list[str]:
        """Each linear predictor's link, as mgcv's summary names them (empty for multinom)."""
        return self._fitted.links

    @property
    def n_predictors(self) -> int:
        """The number of linear predictors."""
        return self._fitted.n_predictors

    # -- coefficients and covariance ----------------------------------------
    @property
    def coefficients(self) -> np.ndarray:
        """The coefficients, predictor after predictor, in the order of :attr:`coefficient_names`."""
        return self._fitted.coefficients

    @property
    def coefficient_names(self) -> list[str]:
        """mgcv's coefficient names: ``(Intercept)``, ``s(x).1``, ``(Intercept).1``, ``s.1(z).1``, ..."""
        return self._fitted.coefficient_names

    @property
    def Vp(self) -> np.ndarray:  # noqa: N802 (mgcv's name)
        """The Bayesian posterior covariance of the coefficients (mgcv's ``Vp``)."""
        return self._fitted.vp

    @property
    def standard_errors(self) -> np.ndarray:
        """Bayesian standard errors of the coefficients."""
        return self._fitted.standard_errors

    @property
    def edf(self) -> dict[str, float]:
        """Effective degrees of freedom of each smooth term, by mgcv's label (``s.1(z)``: predictor 2)."""
        return {label: edf for label, edf, _, _ in self._fitted.smooths}

    @property
    def edf_total(self) -> float:
        """Total effective degrees of freedom (parametric coefficients included)."""
        return self._fitted.edf_total

    @property
    def smooths(self) -> list[tuple[str, float, slice]]:
        """The smooth terms: label, EDF and the slice of their coefficients."""
        return [(label, edf, slice(a, b)) for label, edf, a, b in self._fitted.smooths]

    @property
    def sp(self) -> dict[str, float]:
        """The smoothing parameters by mgcv's names."""
        return dict(zip(self._fitted.sp_names, self._fitted.sp.tolist()))

    @property
    def criterion(self) -> float:
        """The minimised REML criterion (mgcv's ``gcv.ubre``)."""
        return self._fitted.criterion

    @property
    def method(self) -> str:
        """``REML`` (mgcv fits general families by REML only)."""
        return self._fitted.method

    # -- fit statistics -------------------------------------------------------
    @property
    def deviance(self) -> float:
        """The deviance, as mgcv's summary reports it."""
        return self._fitted.deviance

    @property
    def null_deviance(self) -> float:
        """The null deviance, as mgcv's summary reports it."""
        return self._fitted.null_deviance

    @property
    def log_likelihood(self) -> float:
        """The log-likelihood at the fit."""
        return self._fitted.log_likelihood

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
    def cache(self) -> str | None:
        """Where the fit started (``"exact hit"``, ``"resumed from checkpoint at iteration i"``,
        ``"seeded from a related fit"``, ``"cold start"``); ``None`` when loaded or unpickled."""
        return self._fitted.cache_status

    def predictor_columns(self, type: Literal["link", "response"] = "link") -> list[str]:  # noqa: A002 (mgcv's name)
        """The columns new data must provide for :meth:`predict` on that scale (cox.ph's
        survival also needs the time)."""
        return self._fitted.predictor_columns(type)

    # -- prediction and reports ------------------------------------------------
    def predict(
        self,
        newdata: Any = None,
        type: Literal["link", "response"] = "link",  # noqa: A002 (mgcv's name)
        se: bool = False,
    ) -> Any:
        """Predictions at the rows of ``newdata`` (mgcv's ``predict.gam``), as a frame of the
        caller's kind (pandas keeps its index; a dict gives a dict of arrays) with the
        columns of ``gam predict``: ``fit_1``, ``fit_2``, ... (one per linear predictor),
        on the response scale a multinom model's class probabilities ``p0``, ..., ``pK``,
        gammals' mean and log scale, ziplss' expected count, cox.ph's survival at each
        row's time; with ``se`` their standard errors ``se_fit_1``, ... after them."""
        frame = self._frame_for(newdata, type)
        names, fit, se_fit = self._fitted.predict(frame, type)
        cols: dict[str, np.ndarray] = {name: fit[:, k] for k, name in enumerate(names)}
        if se:
            cols.update({f"se_{name}": se_fit[:, k] for k, name in enumerate(names)})
        return _data.output({} if newdata is None else newdata, cols)

    def _frame_for(self, newdata: Any, kind: str) -> _warmgam.Frame:
        if newdata is None:
            if self._training is None:
                raise ValueError("newdata is needed: this model was loaded, it holds no data")
            return self._training
        return _data.to_frame(newdata, self._fitted.predictor_columns(kind), self._fitted.factor_columns)

    def summary(self) -> str:
        """mgcv's ``summary.gam`` printout: the text ``gam fit`` prints."""
        return self._fitted.summary()

    def report_json(self) -> str:
        """The JSON document ``gam fit --json`` prints (for a loaded model, ``gam summary --json``'s)."""
        return self._fitted.report_json()

    # -- persistence --------------------------------------------------------------
    def to_json(self) -> str:
        """The model file's JSON."""
        return self._fitted.to_json()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes the model file atomically (``gam summary`` and ``gam predict`` read it)."""
        self._fitted.save(os.fspath(path))

    def __reduce__(self) -> tuple[Callable[[str], Any], tuple[str]]:
        # Pickle goes through the model file's JSON, as GAM's.
        from ._api import loads

        return (loads, (self.to_json(),))

    def __repr__(self) -> str:
        return (
            f"<warmgam.GeneralGAM {self.formula!r} {self.family}, n = {self.n}, "
            f"edf = {self.edf_total:.3f}, REML = {self.criterion:.6g}>"
        )


def fit(
    formula: str,
    family: str,
    data: Any,
    weights: str | None,
    method: str,
    select: bool,
    knots: Mapping[str, Sequence[float]] | None,
    sp: Sequence[float] | None,
    min_sp: Sequence[float] | None,
    gamma: float,
    factors: Sequence[str],
    ordered: Sequence[str],
    convergence: str,
    store: _warmgam.Cache | None,
    progress: bool | Callable[..., object] | None,
) -> GeneralGAM:
    """:func:`warmgam.gam` for a general family."""
    spec = _warmgam.general_spec(
        formula,
        family,
        weights=weights,
        method=method,
        gamma=float(gamma),
        sp=None if sp is None else [float(v) for v in sp],
        min_sp=None if min_sp is None else [float(v) for v in min_sp],
        knots=None if knots is None else {str(k): [float(v) for v in vs] for k, vs in knots.items()},
        select=bool(select),
        convergence=convergence,
    )
    frame = _data.to_frame(data, spec.columns(), factors, ordered)
    callback = _progress.resolve(progress)
    try:
        fitted = _warmgam.fit_general(spec, frame, store, callback)
    finally:
        if isinstance(callback, _progress.Progress):
            callback.close()
    if fitted.cache_warning:
        import warnings

        warnings.warn(f"cache off: {fitted.cache_warning}", CacheWarning, stacklevel=3)
    return GeneralGAM(fitted, frame)
