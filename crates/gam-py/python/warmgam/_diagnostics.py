"""Checking and comparing fits: mgcv's ``gam.check``, ``concurvity``,
``anova`` and information criteria. The engine computes every number and
every printed byte (the ``gam check``/``concurvity``/``anova``/``compare``
commands print the same); these classes only hold them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _warmgam

if TYPE_CHECKING:  # pragma: no cover
    from ._api import GAM


class _Printed:
    """A result that prints as R prints it (``str()``), with its JSON document as ``doc``."""

    __slots__ = ("text", "doc")

    def __init__(self, text: str, doc: dict[str, Any]) -> None:
        self.text = text
        self.doc = doc

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


class Check(_Printed):
    """What mgcv's ``gam.check`` reports: ``str()`` is its printout; ``k_check``
    the basis-dimension table (a list of dicts: ``term``, ``k_prime``, ``edf``,
    ``k_index``, ``p_value``, NaN where a term is not tested); ``selection``
    how the smoothness selection converged; ``residuals`` the data of the
    four residual plots as arrays; ``plot()`` draws them."""

    __slots__ = ()

    @property
    def k_check(self) -> list[dict[str, Any]]:
        """The basis-dimension table, one dict per smooth term."""
        nan = float("nan")
        return [{k: (nan if v is None else v) for k, v in row.items()} for row in self.doc["k_check"]]

    @property
    def selection(self) -> dict[str, Any]:
        """How the smoothness selection ended (``kind``, ``outcome``, ``iterations``, ranges)."""
        sel: dict[str, Any] = self.doc["selection"]
        return sel

    @property
    def residuals(self) -> dict[str, Any]:
        """Residuals, linear predictor, fitted values, response, theoretical quantiles, histogram."""
        r = dict(self.doc["residuals"])
        for key in ("residuals", "linear_predictor", "fitted", "response", "qq_theoretical"):
            r[key] = np.asarray(r[key], dtype=np.float64)
        return r

    def plot(self, figsize: tuple[float, float] | None = None) -> Any:
        """``gam.check``'s four residual plots on one matplotlib figure; returns it."""
        from . import _plot

        return _plot.draw_check(self.residuals, figsize=figsize)


class Concurvity(_Printed):
    """mgcv's ``concurvity()``: ``str()`` is R's printout; ``worst``,
    ``observed`` and ``estimate`` map each term (``para`` first) to its
    measure (full) or to a dict over the other terms (pairwise)."""

    __slots__ = ()

    @property
    def worst(self) -> dict[str, Any]:
        """The worst case measure per term."""
        out: dict[str, Any] = self.doc["worst"]
        return out

    @property
    def observed(self) -> dict[str, Any]:
        """The observed measure per term."""
        out: dict[str, Any] = self.doc["observed"]
        return out

    @property
    def estimate(self) -> dict[str, Any]:
        """The estimate per term."""
        out: dict[str, Any] = self.doc["estimate"]
        return out


class Anova(_Printed):
    """mgcv's ``anova``: of one model its term tests, of several the analysis
    of deviance. ``str()`` is R's printout; ``doc`` the ``gam anova --json``
    document; ``warnings`` what R warns about."""

    __slots__ = ("warnings",)

    def __init__(self, text: str, doc: dict[str, Any], warnings: list[str]) -> None:
        super().__init__(text, doc)
        self.warnings = warnings


class Comparison(_Printed):
    """logLik, df, AIC and BIC of models side by side (R's ``AIC(m1, m2)``
    extended): ``str()`` is R's printout of the table; ``table`` one dict
    per model."""

    __slots__ = ()

    @property
    def table(self) -> list[dict[str, Any]]:
        """One dict per model: ``label``, ``formula``, ``df``, ``logLik``, ``AIC``, ``BIC``, ``n``."""
        rows: list[dict[str, Any]] = self.doc["models"]
        return rows


def _names(models: Sequence[GAM], names: Sequence[str] | None) -> list[str]:
    if names is None:
        return [f"m{i + 1}" for i in range(len(models))]
    if len(names) != len(models):
        raise ValueError(f"names: {len(names)} names for {len(models)} models")
    return [str(n) for n in names]


def anova(*models: GAM, test: str | None = None, names: Sequence[str] | None = None) -> Anova:
    """mgcv's ``anova``: of one model the Wald tests of its parametric terms
    and the tests of its smooth terms; of several nested models (fitted to
    the same rows) the analysis of deviance, with ``test`` ``None`` (mgcv's
    default), ``"F"`` or ``"Chisq"``. ``print()`` it to see R's table.

    >>> import numpy as np, warmgam as wg
    >>> x = np.linspace(0, 1, 100)
    >>> y = np.sin(6 * x) + np.cos(np.arange(100.0))
    >>> m1 = wg.gam("y ~ x", data={"x": x, "y": y}, cache=False)
    >>> m2 = wg.gam("y ~ s(x)", data={"x": x, "y": y}, cache=False)
    >>> wg.anova(m1, m2, test="F").doc["test"]
    'F'
    """
    if not models:
        raise ValueError("anova: give at least one model")
    text, doc, warnings = _warmgam.anova_of([m._fitted for m in models], _names(models, names), test)
    return Anova(text, json.loads(doc), warnings)


def compare(*models: GAM, names: Sequence[str] | None = None) -> Comparison:
    """logLik, df (mgcv's smoothing-parameter corrected EDF plus scale), AIC
    and BIC of models fitted to the same rows, named ``names`` (default
    ``m1``, ``m2``, ...).

    >>> import numpy as np, warmgam as wg
    >>> x = np.linspace(0, 1, 100)
    >>> y = np.sin(6 * x) + np.cos(np.arange(100.0))
    >>> m1 = wg.gam("y ~ x", data={"x": x, "y": y}, cache=False)
    >>> m2 = wg.gam("y ~ s(x)", data={"x": x, "y": y}, cache=False)
    >>> [row["label"] for row in wg.compare(m1, m2).table]
    ['m1', 'm2']
    """
    if not models:
        raise ValueError("compare: give at least one model")
    text, doc = _warmgam.compare_of([m._fitted for m in models], _names(models, names))
    return Comparison(text, json.loads(doc))
