"""A good citizen among threads: the GIL is released during fits (another
Python thread keeps running) and two fits run at once, each giving the
result it gives alone."""

from __future__ import annotations

import threading
import time

import numpy as np

import warmgam as wg


def _data(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(4, n))
    y = np.sin(6 * x[0]) + x[1] ** 2 + np.cos(3 * x[2]) + rng.normal(0, 0.3, n)
    return {"x0": x[0], "x1": x[1], "x2": x[2], "x3": x[3], "y": y}


FORMULA = 'y ~ s(x0, bs = "cr", k = 20) + s(x1, bs = "cr", k = 20) + s(x2, bs = "cr", k = 20) + s(x3, bs = "cr")'


def _ticks_during(work) -> tuple[object, list[float], float, float]:
    """Runs ``work()`` while another thread appends a timestamp about every ms."""
    ticks: list[float] = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    try:
        start = time.perf_counter()
        result = work()
        end = time.perf_counter()
    finally:
        stop.set()
        t.join()
    return result, [x for x in ticks if start + 0.05 < x < end - 0.05], start, end


def test_another_thread_runs_during_a_fit():
    data = _data(200_000, 1)
    m, during, start, end = _ticks_during(lambda: wg.gam(FORMULA, data=data, cache=False, progress=False))
    assert m.converged
    # The counter ticks about every ms while the fit runs; holding the GIL
    # would freeze it (a switch interval is 5 ms, so at most a few ticks).
    assert end - start > 0.2, f"the fit took {end - start:.3f} s: too short to tell"
    assert len(during) > 0.2 * (end - start) * 1000 / 1.1, (len(during), end - start)


def test_another_thread_runs_during_a_prediction_of_a_million_rows():
    m = wg.gam(FORMULA, data=_data(2000, 4), cache=False)
    new = _data(1_000_000, 5)
    p, during, start, end = _ticks_during(lambda: m.predict(new, se=True))
    assert np.isfinite(p["se_fit"]).all() and len(p["fit"]) == 1_000_000
    assert end - start > 0.2, f"the prediction took {end - start:.3f} s: too short to tell"
    assert len(during) > 0.2 * (end - start) * 1000 / 1.1, (len(during), end - start)


def test_two_fits_run_at_once_and_give_their_own_results():
    from conftest import run_python

    # Each outer iterate pauses 150 ms inside the detached fit (the engine's
    # test hook, read once per process: hence a child process).
    r = run_python("""
import json, threading, time
import warmgam as wg
from test_threads import FORMULA, _data
a, b = _data(2000, 2), _data(2000, 3)
stamps = {"a": [], "b": []}
results = {}
def fit(name, data):
    results[name] = wg.gam(FORMULA, data=data, cache=False,
                           progress=lambda i, s, t: stamps[name].append(time.perf_counter()))
threads = [threading.Thread(target=fit, args=("a", a)), threading.Thread(target=fit, args=("b", b))]
start = time.perf_counter()
for t in threads:
    t.start()
for t in threads:
    t.join()
together = time.perf_counter() - start
alone = {k: wg.gam(FORMULA, data=d, cache=False) for k, d in (("a", a), ("b", b))}
print(json.dumps({
    "same": [results[k].to_json() == alone[k].to_json() for k in "ab"],
    "stamps": stamps,
    "together": together,
    "iterates": sum(results[k].iterations + 1 for k in "ab"),
}))
""", pause_ms=150)
    import json

    out = json.loads(r.stdout)
    assert out["same"] == [True, True]
    sa, sb = out["stamps"]["a"], out["stamps"]["b"]
    # Interleaved: one fit reported between the other's first and last report.
    assert sa and sb
    assert any(sa[0] < x < sa[-1] for x in sb) or any(sb[0] < x < sb[-1] for x in sa)
    # Sequentially the pauses alone would take iterates x 150 ms.
    assert out["together"] < 0.8 * out["iterates"] * 0.150, out
