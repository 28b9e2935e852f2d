"""Ctrl-C: SIGINT to a Python process fitting through the cache raises
KeyboardInterrupt promptly, the fit's checkpoint stays, and the same call
then resumes from it and gives the uninterrupted fit."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

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
    # The note is the engine's line: where it stopped, and that it was saved.
    found = re.search(r"KeyboardInterrupt fit interrupted after outer iteration (\d+) \(criterion ", out)
    assert found, out
    iteration = int(found.group(1))
    assert iteration >= 1

    resumed = wg.gam(FORMULA, data=read_csv_dict(MCYCLE), cache=store)
    assert resumed.cache == f"resumed from checkpoint at iteration {iteration}"
    cold = wg.gam(FORMULA, data=read_csv_dict(MCYCLE), cache=False)
    # As the command's interrupt test: the resumed fit prints the cold fit's
    # summary (a resumed search stops within the convergence tolerance of
    # the cold one, not at its bits).
    assert resumed.summary() == cold.summary()
    assert resumed.criterion == pytest.approx(cold.criterion, rel=1e-6)
