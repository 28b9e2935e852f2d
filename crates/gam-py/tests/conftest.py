"""Shared fixtures: the repository's data, the built ``gam`` command, readers
that parse a CSV file to the same numbers as the command's reader."""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[3]
BENCH = ROOT / "crates" / "gam" / "tests" / "data" / "bench"
MCYCLE = ROOT / "examples" / "mcycle.csv"


def public_cases() -> list[dict]:
    """The public reference cases whose data is in the checkout."""
    cases = json.loads((BENCH / "cases.json").read_text())
    return [c for c in cases if c["visibility"] == "public" and (BENCH / c["data"]).exists()]


def _open(path: Path):
    return gzip.open(path, "rt", newline="") if path.suffix == ".gz" else open(path, newline="")


def read_csv_dict(path: Path) -> dict[str, np.ndarray | list]:
    """A CSV file as a dict of columns without pandas: a column whose every
    non-missing field is a number is float64 (NA or empty = NaN), else text
    (None = missing), as the ``gam`` command reads it."""
    with _open(path) as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    out: dict[str, np.ndarray | list] = {}
    for j, name in enumerate(header):
        raw = [r[j] for r in body]
        missing = [v in ("", "NA") for v in raw]
        try:
            out[name] = np.array([np.nan if m else float(v) for v, m in zip(raw, missing)])
        except ValueError:
            out[name] = [None if m else v for v, m in zip(raw, missing)]
    return out


def read_csv_pandas(path: Path):
    """A CSV file with pandas, parsed to the bits the ``gam`` command parses (pandas 3 parses
    decimal text exactly by default)."""
    pd = pytest.importorskip("pandas")
    return pd.read_csv(path, keep_default_na=False, na_values=["NA", ""])


@pytest.fixture(scope="session")
def cli() -> Path:
    """The built ``gam`` command ($GAM_CLI, else target/release/gam)."""
    path = Path(os.environ.get("GAM_CLI", ROOT / "target" / "release" / "gam"))
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: build it with `cargo build --release -p gam-cli`")
        pytest.skip(f"{path} is missing: build it with `cargo build --release -p gam-cli`")
    return path


def run_cli(cli: Path, *args: str | os.PathLike, env: dict | None = None) -> subprocess.CompletedProcess:
    """Runs the ``gam`` command; a failure shows its stderr."""
    full_env = dict(os.environ, **(env or {}))
    r = subprocess.run([str(cli), *map(str, args)], capture_output=True, text=True, env=full_env)
    assert r.returncode == 0, f"gam {' '.join(map(str, args))} failed ({r.returncode}):\n{r.stderr}"
    return r


def run_python(code: str, pause_ms: int | None = None) -> subprocess.CompletedProcess:
    """Runs ``code`` in a child Python (this directory importable), with the
    engine's test pause (read once per process) if asked; fails on a non-zero exit."""
    import sys

    env = dict(os.environ)
    env.pop("GAM_TEST_PAUSE_AFTER_CHECKPOINT_MS", None)
    if pause_ms is not None:
        env["GAM_TEST_PAUSE_AFTER_CHECKPOINT_MS"] = str(pause_ms)
    prelude = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
    r = subprocess.run([sys.executable, "-c", prelude + code], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return r
