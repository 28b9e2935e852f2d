"""warmgam: generalized additive models as ``mgcv::gam`` fits them, from the
``gam`` engine, with the warm-start cache shared with the ``gam`` command.

>>> import numpy as np, warmgam as wg
>>> x = np.linspace(0, 1, 100)
>>> m = wg.gam("y ~ s(x, k = 10)", data={"x": x, "y": x ** 2}, cache=False)
>>> m.summary().splitlines()[1].strip()
'Family: gaussian'
"""

from . import errors
from ._api import GAM, CvResult, GeneralGAM, cv, gam, load, loads
from ._diagnostics import Anova, Check, Comparison, Concurvity, anova, compare
from ._warmgam import ENGINE_VERSION, __version__

__all__ = [
    "GAM",
    "Anova",
    "Check",
    "Comparison",
    "Concurvity",
    "CvResult",
    "ENGINE_VERSION",
    "GeneralGAM",
    "__version__",
    "anova",
    "compare",
    "cv",
    "errors",
    "gam",
    "load",
    "loads",
]
