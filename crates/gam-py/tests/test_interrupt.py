"""Ctrl-C: SIGINT to a Python process fitting through the cache raises
KeyboardInterrupt promptly, the fit's checkpoint stays, and the same call
then resumes from it and gives the uninterrupted fit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import warmgam as wg
from conftest import MCYCLE, read_csv_dict

FORMULA = "accel ~ s(times, k = 20)"

CHILD = """
import sys, warmgam as wg
sys.path.insert(0, sys.argv[1])
from conftest import read_csv_dict, MCYCLE
def report(i, score, elapsed):
    print("iterate", i, flush=True)
try:
    m = wg.gam(sys.argv[2], data=read_csv_dict(MCYCLE), cache=sys.argv[3], progress=report)
except KeyboardInterrupt as e:
    print("KeyboardInterrupt", *getattr(e, "__notes__", []), flush=True)
    sys.exit(130)
print("finished", m.cache, flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigint_stops_the_fit_and_the_next_call_resumes(tmp_path):
    store = tmp_path / "store"
    env = dict(os.environ, GAM_TEST_PAUSE_AFTER_CHECKPOINT_MS="1000")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, os.path.dirname(__file__), FORMULA, str(store)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        # The callback runs after the iterate's checkpoint was written.
        line = child.stdout.readline()
        assert line.startswith("iterate"), line + child.stderr.read()
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=10)
    finally:
        child.kill()
    assert child.returncode == 130, out + err
    assert time.monotonic() - sent < 5
    assert "KeyboardInterrupt fit interrupted after outer iteration" in out, out

    resumed = wg.gam(FORMULA, data=read_csv_dict(MCYCLE), cache=store)
    assert resumed.cache.startswith("resumed from checkpoint at iteration"), resumed.cache
    cold = wg.gam(FORMULA, data=read_csv_dict(MCYCLE), cache=False)
    np.testing.assert_allclose(resumed.coefficients, cold.coefficients, rtol=1e-8, atol=1e-8)
