"""Stubs of the extension module ``warmgam._warmgam`` (the Rust binding)."""

from collections.abc import Callable, Sequence
from os import PathLike
from typing import Any

import numpy as np
import numpy.typing as npt

ENGINE_VERSION: str
__version__: str

class Frame:
    @property
    def nrows(self) -> int: ...
    @property
    def names(self) -> list[str]: ...

class Spec:
    def columns(self) -> list[str]: ...
    def response_columns(self) -> list[str]: ...
    @property
    def formula(self) -> str: ...

class Cache:
    @property
    def dir(self) -> str: ...

class CvReport:
    def to_json(self) -> str: ...
    def predictions(
        self,
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64], npt.NDArray[np.float64]]: ...

class Fitted:
    formula: str
    family: str
    link: str
    coefficients: npt.NDArray[np.float64]
    coefficient_names: list[str]
    vp: npt.NDArray[np.float64]
    ve: npt.NDArray[np.float64]
    standard_errors: npt.NDArray[np.float64]
    edf: npt.NDArray[np.float64]
    edf_total: float
    smooths: list[tuple[str, float, int, int]]
    sp: npt.NDArray[np.float64]
    sp_names: list[str]
    scale: float
    scale_estimated: bool
    theta: float | None
    family_parameters: list[float]
    criterion: float
    method: str
    deviance: float
    null_deviance: float
    deviance_explained: float
    log_likelihood: float
    aic: float
    n: int
    n_dropped: int
    converged: bool
    iterations: int
    warnings: list[str]
    cache_status: str | None
    cache_warning: str | None
    predictor_columns: list[str]
    factor_columns: list[str]
    has_training_data: bool
    def predict(
        self,
        frame: Frame,
        kind: str = "link",
        se: bool = False,
        terms: bool = False,
        exclude: Sequence[str] = (),
        na_action: str = "pass",
    ) -> tuple[
        npt.NDArray[np.float64], npt.NDArray[np.float64] | None, list[tuple[str, npt.NDArray[np.float64]]]
    ]: ...
    def lp_matrix(
        self, frame: Frame, na_action: str = "pass"
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
    def residuals(
        self, kind: str = "deviance", frame: Frame | None = None
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.uint64]]: ...
    def fitted_values(
        self, frame: Frame | None = None
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.uint64]]: ...
    def plot_json(
        self,
        frame: Frame | None = None,
        n: int = 100,
        n2: int = 40,
        too_far: float = 0.1,
        se_with_mean: bool = False,
        residuals: bool = False,
        all_terms: bool = False,
        se: float | None = None,
    ) -> str: ...
    def check(
        self, frame: Frame | None = None, seed: int = 1, k_rep: int = 200, k_sample: int = 5000
    ) -> tuple[str, str]: ...
    def concurvity(self, frame: Frame | None = None, full: bool = True) -> tuple[str, str]: ...
    def sample(
        self, n: int, seed: int, frame: Frame | None = None, kind: str = "link", unconditional: bool = False
    ) -> npt.NDArray[np.float64]: ...
    def summary(self) -> str: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(json: str | bytes) -> Fitted: ...
    def save(self, path: str | PathLike[str]) -> None: ...
    @staticmethod
    def load(path: str | PathLike[str]) -> Fitted: ...

class GeneralSpec:
    def columns(self) -> list[str]: ...
    @property
    def formula(self) -> str: ...

class GeneralFitted:
    formula: str
    formulas: list[str]
    family: str
    links: list[str]
    n_predictors: int
    coefficients: npt.NDArray[np.float64]
    coefficient_names: list[str]
    vp: npt.NDArray[np.float64]
    standard_errors: npt.NDArray[np.float64]
    edf_total: float
    smooths: list[tuple[str, float, int, int]]
    sp: npt.NDArray[np.float64]
    sp_names: list[str]
    criterion: float
    method: str
    log_likelihood: float
    deviance: float
    null_deviance: float
    n: int
    n_dropped: int
    converged: bool
    iterations: int
    cache_status: str | None
    cache_warning: str | None
    factor_columns: list[str]
    def predictor_columns(self, kind: str) -> list[str]: ...
    def predict(
        self, frame: Frame, kind: str
    ) -> tuple[list[str], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
    def summary(self) -> str: ...
    def report_json(self) -> str: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(json: str | bytes) -> GeneralFitted: ...
    @staticmethod
    def is_general_json(json: str | bytes) -> bool: ...
    @staticmethod
    def is_general_file(path: str | PathLike[str]) -> bool: ...
    def save(self, path: str | PathLike[str]) -> None: ...
    @staticmethod
    def load(path: str | PathLike[str]) -> GeneralFitted: ...

def frame_from_columns(
    columns: Sequence[tuple[str, str, Any]], factors: Sequence[str] = (), ordered: Sequence[str] = ()
) -> Frame: ...
def frame_from_arrow(
    data: Any, columns: Sequence[str] | None = None, factors: Sequence[str] = (), ordered: Sequence[str] = ()
) -> Frame: ...
def require_columns(needed: Sequence[str], available: Sequence[str]) -> None: ...
def spec(
    formula: str,
    family: str = "gaussian",
    link: str | None = None,
    weights: str | None = None,
    method: str = "REML",
    scale: float = 0.0,
    gamma: float = 1.0,
    sp: Sequence[float] | None = None,
    min_sp: Sequence[float] | None = None,
    knots: dict[str, list[float]] | None = None,
    select: bool = False,
    convergence: str = "auto",
) -> Spec: ...
def additive_formula(response: str, frame: Frame) -> str: ...
def open_cache(dir: str | PathLike[str] | None = None) -> Cache: ...
def fit(
    spec: Spec,
    frame: Frame,
    cache: Cache | None = None,
    verify_cache: bool = False,
    progress: Callable[[int, float, float], object] | None = None,
) -> Fitted: ...
def cross_validate(
    spec: Spec,
    frame: Frame,
    folds: int = 10,
    seed: int = 1,
    cache: Cache | None = None,
    verify_cache: bool = False,
    progress: Callable[[int, float, float], object] | None = None,
) -> CvReport: ...
def anova_of(
    models: Sequence[Fitted], names: Sequence[str], test: str | None = None
) -> tuple[str, str, list[str]]: ...
def compare_of(models: Sequence[Fitted], names: Sequence[str]) -> tuple[str, str]: ...
def general_spec(
    formula: str,
    family: str,
    weights: str | None = None,
    method: str = "REML",
    gamma: float = 1.0,
    sp: Sequence[float] | None = None,
    min_sp: Sequence[float] | None = None,
    knots: dict[str, list[float]] | None = None,
    select: bool = False,
    convergence: str = "auto",
) -> GeneralSpec: ...
def is_general_family(family: str) -> bool: ...
def fit_general(
    spec: GeneralSpec,
    frame: Frame,
    cache: Cache | None = None,
    progress: Callable[[int, float, float], object] | None = None,
) -> GeneralFitted: ...
