"""The exceptions and warnings of warmgam.

Every error the engine reports is a :class:`GamError` carrying the engine's
one-line message (the text the ``gam`` command prints after ``error:``). The
classes also derive from the built-in a Python user would catch: bad input
is a :class:`ValueError`, an unusable cache directory an :class:`OSError`, a
model too large for the memory a :class:`MemoryError`.

>>> import warmgam as wg
>>> issubclass(wg.errors.FormulaError, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "GamError",
    "FormulaError",
    "DataError",
    "OptionError",
    "FitError",
    "FitTooLargeError",
    "FitInterrupted",
    "ModelFileError",
    "CacheError",
    "GamWarning",
    "CacheWarning",
]


class GamError(Exception):
    """Base class of every error the engine reports."""


class FormulaError(GamError, ValueError):
    """The formula does not parse, or a term cannot be built (e.g. ``k`` too large)."""


class DataError(GamError, ValueError):
    """A column is missing, of a type a model cannot use, or holds an unusable value."""


class OptionError(GamError, ValueError):
    """An argument makes no sense: unknown family, link or method, ``gamma <= 0``, ..."""


class FitError(GamError, ValueError):
    """The model cannot be fitted to this data (not identifiable, separation, ...)."""


class FitTooLargeError(FitError, MemoryError):
    """The fit would need more memory than the machine has."""


class FitInterrupted(GamError):
    """A fit was stopped before it converged (its checkpoint, if cached, resumes it)."""


class ModelFileError(GamError, ValueError):
    """A model file or JSON text is not a consistent gam model."""


class CacheError(GamError, OSError):
    """The warm-start cache directory cannot be opened."""


class GamWarning(UserWarning):
    """Something to know about the data or the fit (R's warnings)."""


class CacheWarning(GamWarning):
    """The cache could not be used; the fit went on without it."""
