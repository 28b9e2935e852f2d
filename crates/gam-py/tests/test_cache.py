"""The warm-start cache shared with the ``gam`` command: an exact hit both
ways, through a directory argument and through the default directory
(``GAM_CACHE_DIR``), ``cache=False``, a loaded model's status."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

import warmgam as wg
from conftest import MCYCLE, read_csv_dict, run_cli

FORMULA = "accel ~ s(times, k = 20)"


def _coefficients(model_file) -> list[float]:
    return json.loads(model_file.read_text())["coefficients"]


def test_a_command_fit_is_an_exact_hit_from_python(cli, tmp_path):
    store = tmp_path / "store"
    out = tmp_path / "cli.json"
    r = run_cli(cli, "fit", MCYCLE, FORMULA, "--cache-dir", store, "--out", out)
    assert "cache: cold start" in r.stderr
    m = wg.gam(FORMULA, data=read_csv_dict(MCYCLE), cache=store)
    assert m.cache == "exact hit"
    assert m.coefficients.tolist() == _coefficients(out)
    assert m.to_json() == out.read_text()


def test_a_python_fit_is_an_exact_hit_from_the_command(cli, tmp_path):
    store = tmp_path / "store"
    m = wg.gam(FORMULA, data=read_csv_dict(MCYCLE), cache=str(store))
    assert m.cache == "cold start"
    r = run_cli(cli, "fit", MCYCLE, FORMULA, "--cache-dir", store)
    assert "cache: exact hit" in r.stderr
    assert r.stdout == m.summary()


def test_the_default_directory_is_shared_through_GAM_CACHE_DIR(cli, tmp_path):
    store = tmp_path / "default"
    env = dict(os.environ, GAM_CACHE_DIR=str(store))
    script = (
        "import sys, warmgam as wg\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from conftest import read_csv_dict, MCYCLE\n"
        f"m = wg.gam({FORMULA!r}, data=read_csv_dict(MCYCLE))\n"
        "print(m.cache)\n"
    )
    here = os.path.dirname(__file__)
    first = subprocess.run([sys.executable, "-c", script, here], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "cold start"
    assert "cache: exact hit" in run_cli(cli, "fit", MCYCLE, FORMULA, env={"GAM_CACHE_DIR": str(store)}).stderr
    # And the other way: a fit the command made first (another model).
    other = FORMULA.replace("20", "15")
    run_cli(cli, "fit", MCYCLE, other, env={"GAM_CACHE_DIR": str(store)})
    again = subprocess.run([sys.executable, "-c", script.replace(FORMULA, other), here], env=env,
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "exact hit"


def test_no_cache_and_a_new_directory(tmp_path, monkeypatch):
    default = tmp_path / "default"
    monkeypatch.setenv("GAM_CACHE_DIR", str(default))
    data = read_csv_dict(MCYCLE)
    assert wg.gam(FORMULA, data=data, cache=False).cache == "cold start"
    assert wg.gam(FORMULA, data=data, cache=False).cache == "cold start"
    assert not default.exists()
    fresh = tmp_path / "a" / "b"
    assert wg.gam(FORMULA, data=data, cache=fresh).cache == "cold start"
    assert fresh.is_dir()
    hit = wg.gam(FORMULA, data=data, cache=fresh)
    assert hit.cache == "exact hit"
    np.testing.assert_array_equal(hit.coefficients, wg.gam(FORMULA, data=data, cache=False).coefficients)
