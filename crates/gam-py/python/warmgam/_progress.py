"""The progress display of long fits: tqdm (notebooks included) when it is
installed, else one line on stderr; only on a terminal or in a notebook, and
only once a fit has run for :data:`DELAY` seconds."""

from __future__ import annotations

import sys
from typing import Callable

#: Seconds a fit runs before a progress display appears.
DELAY = 1.0


def _interactive() -> bool:
    if "ipykernel" in sys.modules:
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """A callable for the engine: ``progress(iteration, score, elapsed)``."""

    def __init__(self, label: str = "") -> None:
        self._label = label
        self._bar = None
        self._line = False

    def __call__(self, iteration: int, score: float, elapsed: float) -> None:
        if elapsed < DELAY:
            return
        text = f"{self._label}outer iteration {iteration}  criterion {score:.4f}"
        if self._bar is None and not self._line:
            try:
                from tqdm.auto import tqdm  # optional
            except ImportError:
                self._line = True
            else:
                self._bar = tqdm(total=None, bar_format="{desc} [{elapsed}]", leave=False)
        if self._bar is not None:
            self._bar.set_description_str(text)
        else:
            sys.stderr.write(f"\r{text}  [{elapsed:.1f} s]")
            sys.stderr.flush()

    def close(self) -> None:
        """Removes the display, if it was shown."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._line:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
            self._line = False


def resolve(progress: bool | Callable[..., object] | None) -> Callable[..., object] | None:
    """The callback to hand the engine for the ``progress=`` argument."""
    if progress is None:
        return Progress() if _interactive() else None
    if progress is True:
        return Progress()
    if progress is False:
        return None
    if callable(progress):
        return progress
    raise TypeError("progress must be None, True, False or a callable(iteration, score, elapsed)")
