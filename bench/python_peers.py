#!/usr/bin/env python3
"""In-process fit time and held-out deviance of warmgam against the Python GAM
packages people use instead: pyGAM 0.12.0, gamfit 0.1.274 and mgcv-rust 0.23.2
(issue 14's benchmark; not a test).

    python3 bench/python_peers.py --setup            # make target/bench-peers-venv, then run in it
    python3 bench/python_peers.py --reps 5 --json out.json --md out.md
    python3 bench/python_peers.py --cases mcycle_tp,cake_re --reps 3

What it measures, on the 19 public reference cases of
crates/gam/tests/data/bench/cases.json (data/, mgcv's answers in ref/<id>.json):

- Each case is fitted on its training rows (cases.json `split`) by every peer
  that can express it, and predicted on its test rows. A peer that cannot
  express a case is reported `n/a: reason`; a peer that fits a nearby model
  (another basis, a penalised factor) is timed and its approximation listed.
- Timing is interleaved: for each repetition, for each case, the peers in an
  order rotated by the repetition. `time.perf_counter_ns` around the fit call
  alone, `gc.collect()` before and `gc.disable()` during it; the median of
  `--reps` after `--warmup` unrecorded repetitions.
- Inputs a peer takes pre-built (pyGAM's X matrix, mgcv-rust's numeric frame,
  gamfit's frame with derived columns) are built outside the timed region;
  warmgam's time includes marshalling from the pandas frame, as a user pays it.
- warmgam is timed twice: `warmgam` (`cache=False`) and `warmgam+cache` (a
  fresh cache directory per fit, opened before the timed call: a cold key in
  an existing store, the cost of a first fit with the default cache).
- Single-threaded by default (OMP/OPENBLAS/MKL/RAYON_NUM_THREADS=1, set before
  any import); `--threads native` leaves the libraries' defaults.
- Held-out mean deviance of each peer's response-scale predictions on the test
  rows, with mgcv's (`train_test.test_mean_deviance`) beside it. Unit
  deviances as in the bench README (binomial: y the proportion, w the trials).
- Summary: per peer, the median over the cases it expresses of its time over
  warmgam's, how many of those warmgam is faster on, and the goal of issue 14
  (faster than every peer on every case it can express, at least 10x faster
  than pyGAM and gamfit in the median), for both warmgam variants.

Translations (see PYGAM_*, gamfit_job and mgcv_rust_job below):
- pyGAM: the term specs mgcv's reference run used (/work/shared/bench/ref or
  $PYGAM_REF_DIR, pygam_<id>.json): B-splines with n_splines = mgcv's k,
  ridge-penalised one-hot f() for factors and random effects, one
  s(x, by=indicator) per level for a factor by=, the default 11-value
  diagonal lambda grid search; the Poisson offset by hand (exposure), since
  PoissonGAM.gridsearch passes the weights as the exposure.
- gamfit: the mgcv formula where gamfit parses it (s() without bs= then has
  gamfit's default basis, not mgcv's tp); offset() becomes `offset=`,
  cbind(s, f) a proportion with `weights=` the trials; factor main effects are
  penalised factor terms in gamfit (listed as an approximation).
- mgcv-rust: its `Gam` wrapper has additive cr/bs/re/parametric terms of named
  columns only: `tp`/`ps` smooths become `cr` with the same k, a factor main
  effect becomes indicator columns (`parametric`), cbind a proportion with
  sample weights; te(), by= and offset() are n/a.

Absolute times are noisy on a shared machine: compare the ratios of one run,
and read the load average printed at start and end.
"""

from __future__ import annotations

import os
import sys

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS")
# Pinned before numpy or any peer is imported: BLAS and rayon pools size themselves at load.
if not any(a == "native" or a.endswith("=native") for a in sys.argv):
    for _v in THREAD_VARS:
        os.environ[_v] = "1"

import argparse
import gc
import json
import math
import platform
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "crates" / "gam" / "tests" / "data" / "bench"
VENV = ROOT / "target" / "bench-peers-venv"
PYGAM_REF_DIR = Path(os.environ.get("PYGAM_REF_DIR", "/work/shared/bench/ref"))
PEER_PINS = ["pygam==0.12.0", "scipy<1.17", "gamfit==0.1.274", "mgcv-rust==0.23.2", "pandas"]
PEERS = ["warmgam", "warmgam+cache", "pygam", "gamfit", "mgcv-rust", "warmgam-cr"]
# "warmgam-cr": warmgam fitting the model mgcv-rust fits where mgcv-rust
# approximates the basis (tp and ps smooths as cr), cache=False: the
# like-for-like time to set against mgcv-rust's on those cases.
LIKE_FOR_LIKE = {"mgcv-rust": "warmgam-cr"}
BASE = "warmgam"
# The peers the median goal names (issue 14: at least 10x faster in the median).
TEN_X = ("pygam", "gamfit")


def setup_and_reexec(argv: list[str]) -> None:
    """Make target/bench-peers-venv with the pinned peers and warmgam built from
    ./crates/gam-py (maturin through pip, reusing target/), then run this
    script inside it without --setup."""
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run(pip + PEER_PINS, check=True)
    # CARGO_TARGET_DIR: the worktree's target/, so a rebuild is incremental (a cold one is ~9 min).
    env = dict(os.environ, CARGO_TARGET_DIR=str(ROOT / "target"))
    subprocess.run(pip + ["--force-reinstall", "--no-deps", str(ROOT / "crates" / "gam-py")], check=True, env=env)
    args = [a for a in argv if a != "--setup"]
    os.execv(str(py), [str(py), str(Path(__file__).resolve())] + args)


def import_peers(peers: list[str]) -> dict[str, Any]:
    mods = {}
    for name, mod in (
        ("warmgam", "warmgam"),
        ("pygam", "pygam"),
        ("gamfit", "gamfit"),
        ("mgcv-rust", "mgcv_rust"),
        ("pandas", "pandas"),
        ("numpy", "numpy"),
    ):
        wanted = name in peers or (name == "warmgam" and any(p.startswith("warmgam") for p in peers))
        if name not in ("pandas", "numpy") and not wanted:
            continue
        try:
            mods[name] = __import__(mod)
        except ImportError as e:
            sys.exit(
                f"error: {mod} does not import in {sys.executable} ({e}): "
                f"run `python3 bench/python_peers.py --setup` to build {VENV}"
            )
    return mods


# ---------------------------------------------------------------- data


def parse_rows(spec: str) -> tuple[int, int]:
    a, b = spec.split("..")
    return int(a) - 1, int(b)  # 1-based inclusive -> Python slice


def factor_levels(values: Any) -> list[str]:
    """The bench README's level order: numeric when every value parses as a number, else byte order."""
    uniq = sorted({str(v) for v in values})
    try:
        return sorted(uniq, key=float)
    except ValueError:
        return sorted(uniq, key=lambda s: s.encode())


class Case:
    """One reference case: the CSV read once, split, with the columns the peers derive."""

    def __init__(self, meta: dict, pd: Any, np: Any):
        self.meta = meta
        self.id = meta["id"]
        self.formula = meta["formula"]
        self.family = meta["family"]
        self.link = meta["link"]
        self.factors = list(meta["factors"])
        df = pd.read_csv(BENCH / meta["data"])
        self.levels = {f: factor_levels(df[f]) for f in self.factors}
        cb = re.match(r"\s*cbind\(\s*([\w.]+)\s*,\s*([\w.]+)\s*\)\s*~", self.formula)
        self.cbind = (cb.group(1), cb.group(2)) if cb else None
        off = re.search(r"offset\(\s*([\w.]+)\s*\)", self.formula)
        self.offset = off.group(1) if off else None
        self.response = None if cb else self.formula.split("~")[0].strip()
        tr0, tr1 = parse_rows(meta["split"]["train_rows"])
        te0, te1 = parse_rows(meta["split"]["test_rows"])
        self.train = df.iloc[tr0:tr1].reset_index(drop=True)
        self.test = df.iloc[te0:te1].reset_index(drop=True)
        self.n_train = len(self.train)
        # Held-out response and weights, as the bench README defines them.
        if self.cbind:
            s, f = self.cbind
            trials = (self.test[s] + self.test[f]).to_numpy(float)
            self.y_test = self.test[s].to_numpy(float) / trials
            self.w_test = trials
        else:
            self.y_test = self.test[self.response].to_numpy(float)
            self.w_test = np.ones(len(self.test))
        ref = json.loads((BENCH / "ref" / f"{self.id}.json").read_text())
        self.mgcv_dev = ref["gam"]["train_test"]["test_mean_deviance"]


def mean_deviance(family: str, y: Any, mu: Any, w: Any, np: Any) -> float:
    """Mean unit deviance of the test rows (0 log 0 = 0)."""
    y, mu, w = (np.asarray(a, dtype=float) for a in (y, mu, w))

    def ylog(a: Any, b: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(a > 0, a * np.log(a / b), 0.0)

    if family == "gaussian":
        d = w * (y - mu) ** 2
    elif family == "poisson":
        d = 2 * w * (ylog(y, mu) - (y - mu))
    elif family == "binomial":
        d = 2 * w * (ylog(y, mu) + ylog(1 - y, 1 - mu))
    elif family == "Gamma":
        d = -2 * w * (np.log(y / mu) - (y - mu) / mu)
    else:
        raise ValueError(f"no unit deviance for family {family}")
    return float(np.mean(d))


# ---------------------------------------------------------------- jobs
# A job is (fit, predict, notes): fit() is the timed call, predict(model) gives
# the test rows' response-scale means; or a string "n/a: reason".


# Marks a note that changes the model fitted (another basis, a penalised factor),
# as opposed to an exact re-expression (cbind as proportion + weights).
APPROX = "≈ "


class Job:
    def __init__(
        self,
        fit: Callable[[], Any],
        predict: Callable[[Any], Any],
        notes: list[str] | None = None,
        before: Callable[[], None] | None = None,
        after: Callable[[Any], str | None] | None = None,
    ):
        self.fit = fit
        self.predict = predict
        self.notes = list(dict.fromkeys(notes or []))
        self.before = before  # untimed, before each fit (warmgam+cache: a fresh cache dir)
        self.after = after  # untimed, after each fit: a note if the fit was not what was meant


def as_cr(formula: str) -> str | None:
    """The formula with every tp or ps smooth of one covariate as cr (as
    mgcv-rust fits it), or None when it has none."""
    changed = False

    def one(m: re.Match) -> str:
        nonlocal changed
        args = [a.strip() for a in m.group(1).split(",")]
        bs = next((a.split("=")[1].strip().strip('"') for a in args[1:] if a.replace(" ", "").startswith("bs=")), "tp")
        if bs not in ("tp", "ps"):
            return m.group(0)
        changed = True
        kept = [a for a in args if not a.replace(" ", "").startswith("bs=")]
        return "s(" + ", ".join(kept[:1] + ['bs = "cr"'] + kept[1:]) + ")"

    out = re.sub(r"\bs\(([^()]*)\)", one, formula)
    return out if changed else None


def warmgam_job(case: Case, mods: dict, cached: bool, tmp_root: Path, formula: str | None = None) -> Job:
    wg = mods["warmgam"]
    formula = formula or case.formula
    fam = case.family
    state: dict[str, Any] = {"cache": False}

    def before() -> None:
        if cached:
            d = Path(tempfile.mkdtemp(prefix=f"{case.id}-", dir=tmp_root))
            # Open the store before the timed call (the process would already hold
            # its default cache open), so the fit pays a cold key, not a new store.
            opener = getattr(getattr(wg, "_api", None), "_open_cache", None)
            if opener is not None:
                opener(str(d))
            state["cache"] = str(d)

    def fit() -> Any:
        return wg.gam(
            formula,
            family=fam,
            data=case.train,
            link=case.link,
            method="REML",
            factors=case.factors,
            cache=state["cache"],
        )

    def predict(m: Any) -> Any:
        return m.predict(case.test, type="response")["fit"].to_numpy()

    def after(m: Any) -> str | None:
        if cached and m.cache != "cold start":
            return f"cache status {m.cache!r}, not a cold start"
        return None

    return Job(fit, predict, before=before, after=after)


def pygam_job(case: Case, mods: dict, np: Any) -> Job | str:
    pygam = mods["pygam"]
    path = PYGAM_REF_DIR / f"pygam_{case.id}.json"
    if not path.exists():
        return f"n/a: no pyGAM term spec ({path} missing; set PYGAM_REF_DIR)"
    ref = json.loads(path.read_text())
    if ref.get("status") != "ok":
        return f"n/a: pyGAM reference status {ref.get('status')}"
    spec = PYGAM_X[case.id]
    terms_ref = [t for t in ref["train_test"]["terms"] if t["term"] != "intercept"]
    tokens = re.findall(r"(s|f|te)\(([\d,\s]+)\)", ref["pygam_terms"])
    if len(tokens) != len(terms_ref):
        return "n/a: pyGAM term spec and term list disagree"
    by = PYGAM_BY.get(case.id, [None] * len(tokens))

    def terms() -> Any:
        # Built afresh per fit: pyGAM stores fitted state (edge knots) in the terms.
        out = None
        for (kind, idx), t, b in zip(tokens, terms_ref, by):
            cols = [int(i) for i in idx.split(",")]
            if kind == "s":
                term = pygam.s(cols[0], n_splines=t["n_coef"], by=b)
            elif kind == "f":
                term = pygam.f(cols[0])
            else:
                r = round(t["n_coef"] ** (1 / len(cols)))
                term = pygam.te(*cols, n_splines=[r] * len(cols))
            out = term if out is None else out + term
        return out

    def matrix(df: Any) -> Any:
        cols = []
        for c in spec:
            if isinstance(c, tuple):  # (factor, i): the indicator of its i-th level
                cols.append((df[c[0]].astype(str) == case.levels[c[0]][c[1]]).to_numpy(float))
            elif c in case.factors:
                codes = {lv: i for i, lv in enumerate(case.levels[c])}
                cols.append(df[c].astype(str).map(codes).to_numpy(float))
            else:
                cols.append(df[c].to_numpy(float))
        return np.column_stack(cols)

    model_cls = getattr(pygam, ref["pygam_model"])
    X, Xt = matrix(case.train), matrix(case.test)
    notes = [APPROX + a for a in ref.get("approximations", [])]
    if case.cbind:
        s, f = case.cbind
        trials = (case.train[s] + case.train[f]).to_numpy(float)
        y, w = case.train[s].to_numpy(float) / trials, trials
    else:
        y, w = case.train[case.response].to_numpy(float), None

    if case.offset:
        expo = np.exp(case.train[case.offset].to_numpy(float))
        expo_t = np.exp(case.test[case.offset].to_numpy(float))
        notes.append(
            "offset as exposure; the default lambda grid searched by hand (UBRE), "
            "as PoissonGAM.gridsearch passes weights as the exposure"
        )

        def fit() -> Any:
            best, prev = None, None
            for lam in np.logspace(-3, 3, 11):
                g = model_cls(terms(), lam=lam)
                if prev is not None:  # gridsearch's warm start
                    g.set_params(coef_=prev.coef_, force=True, verbose=False)
                g.fit(X, y, exposure=expo)
                if best is None or g.statistics_["UBRE"] < best.statistics_["UBRE"]:
                    best = g
                prev = g
            return best

        def predict(m: Any) -> Any:
            return m.predict_mu(Xt) * expo_t
    else:

        def fit() -> Any:
            return model_cls(terms()).gridsearch(X, y, weights=w, progress=False)

        def predict(m: Any) -> Any:
            return m.predict_mu(Xt)  # predict() of LogisticGAM gives classes

    return Job(fit, predict, notes)


# pyGAM's X columns per case, in the order the reference term specs index them;
# ("fac", i) is the indicator column of its i-th level (a factor by= smooth).
PYGAM_X: dict[str, list[Any]] = {
    "mcycle_tp": ["times"],
    "mcycle_cr": ["times"],
    "airquality_cr": ["Solar.R", "Wind", "Temp"],
    "airquality_te": ["Solar.R", "Wind", "Temp"],
    "trees_gamma": ["Girth", "Height"],
    "insurance_pois": ["District", "Group", "Age"],
    "gamsim1_tp": ["x0", "x1", "x2", "x3"],
    "gamsim1_cr": ["x0", "x1", "x2", "x3"],
    "gamsim1_ps": ["x0", "x1", "x2", "x3"],
    "gamsim1_binary": ["x0", "x1", "x2", "x3"],
    "gamsim2_te": ["x", "z"],
    "gamsim4_by": ["fac", "x2", ("fac", 0), ("fac", 1), ("fac", 2), "x0", "x1"],
    "gamsim6_re": ["x0", "x1", "x2", "x3", "fac"],
    "gamsim1_n100k_cr": ["x0", "x1", "x2", "x3"],
    "coal_pois": ["year"],
    "faithful_ps": ["eruptions"],
    "cake_re": ["recipe", "temp", "replicate"],
    "hepatitis_binom": ["age"],
    "head_circ_gamma": ["age"],
}
# The by= column of each term, where the reference spec has one.
PYGAM_BY: dict[str, list[int | None]] = {"gamsim4_by": [None, 2, 3, 4, None, None]}

GAMFIT_FAMILY = {"gaussian": "gaussian", "poisson": "poisson", "binomial": "binomial", "Gamma": "gamma"}


def gamfit_formula(case: Case) -> tuple[str, list[str]]:
    """The case's mgcv formula in gamfit's spelling, and the approximations made."""
    notes = []
    f = case.formula
    if case.cbind:
        f = re.sub(r"^\s*cbind\([^)]*\)", "prop__", f)
    if case.offset:
        f = re.sub(r"\s*\+\s*offset\([^)]*\)", "", f)

    # As a user porting the formula would: mgcv's text where gamfit parses it.
    # s() without bs= is accepted, with gamfit's default basis (mgcv's is tp);
    # gamfit's own thin plate (`tps`, two penalties per smooth) took 15.8 s on
    # gamsim1_tp against 0.4 s for its default, so it is used only for an
    # explicit bs = "tp", which gamfit rejects by that name.
    g = f.replace('bs = "tp"', 'bs = "tps"')
    if g != f:
        notes.append(APPROX + "tp as gamfit's tps")
    bare = [
        m.group(1).split(",")[0].strip()
        for m in re.finditer(r"\bs\(([^()]*)\)", g)
        if "bs" not in m.group(1) and m.group(1).split(",")[0].strip() not in case.factors
    ]
    if bare:
        notes.append(APPROX + "s() without bs: gamfit's default basis, not mgcv's tp")
    terms = [t.strip() for t in g.split("~")[1].split("+")]
    if any(t in case.factors for t in terms):
        notes.append(APPROX + "factor main effects are penalised factor terms in gamfit")
    return g, notes


def gamfit_job(case: Case, mods: dict, np: Any) -> Job | str:
    gamfit = mods["gamfit"]
    formula, notes = gamfit_formula(case)
    train, test = case.train.copy(), case.test.copy()
    for fac in case.factors:  # text, so a numeric-coded factor is not read as a number
        train[fac] = train[fac].astype(str)
        test[fac] = test[fac].astype(str)
    kw: dict[str, Any] = {"family": GAMFIT_FAMILY[case.family]}
    if case.family == "Gamma":  # the cases' Gamma link; the others use their canonical link
        kw["link"] = case.link
    if case.cbind:
        s, f = case.cbind
        for d in (train, test):
            d["trials__"] = d[s] + d[f]
            d["prop__"] = d[s] / d["trials__"]
        kw["weights"] = "trials__"
        notes.append("cbind as proportion with weights = trials")
    if case.offset:
        kw["offset"] = case.offset
    try:
        gamfit.validate_formula(train, formula)
    except Exception as e:  # noqa: BLE001 (gamfit's own verdict on what it can express)
        return f"n/a: gamfit rejects {formula!r}: {str(e).splitlines()[0][:120]}"

    def fit() -> Any:
        return gamfit.fit(train, formula, **kw)

    def predict(m: Any) -> Any:
        # The plug-in mean g^-1(eta), as mgcv's predict(type="response"); gamfit's
        # default prediction is the posterior mean, which differs off the identity link.
        out = m.predict(test, interval=0.95)
        if hasattr(out, "columns") and "mean_plugin" in out.columns:
            return np.asarray(out["mean_plugin"], dtype=float)
        if isinstance(out, dict) and "mean_plugin" in out:
            return np.asarray(out["mean_plugin"], dtype=float)
        return np.asarray(m.predict(test), dtype=float)

    notes.insert(0, f"formula {formula}")
    return Job(fit, predict, notes)


MGCV_RUST_FAMILY = {"gaussian": "gaussian", "poisson": "poisson", "binomial": "binomial", "Gamma": "gamma"}


def mgcv_rust_job(case: Case, mods: dict, np: Any, pd: Any) -> Job | str:
    """mgcv-rust's Gam: additive terms of named columns (cr, bs, re, parametric)."""
    mr = mods["mgcv-rust"]
    f = case.formula
    if "te(" in f:
        return "n/a: no tensor-product smooth te() in mgcv_rust.Gam"
    if "by =" in f or "by=" in f:
        return "n/a: no by= smooths in mgcv_rust.Gam"
    if case.offset:
        return "n/a: no offset in mgcv_rust.Gam (fit takes X, y, sample_weight)"
    notes = []
    rhs = f.split("~")[1]
    cols: list[tuple[str, str, int | None]] = []  # (column, basis, k)
    for term in [t.strip() for t in rhs.split("+")]:
        m = re.match(r"s\((.*)\)$", term)
        if m is None:
            if term not in case.factors:
                return f"n/a: parametric term {term}"
            cols.append((term, "factor", None))
            continue
        args = [a.strip() for a in m.group(1).split(",")]
        var, opts = args[0], dict(a.replace(" ", "").split("=") for a in args[1:])
        bs = opts.get("bs", '"tp"').strip('"')
        if bs == "re":
            cols.append((var, "re", None))
            continue
        if bs != "cr":
            notes.append(f"{APPROX}{bs} as cr")
        cols.append((var, "cr", int(opts.get("k", 10))))

    def frame(df: Any) -> Any:
        out = {}
        for var, kind, _ in cols:
            if kind == "factor":  # treatment contrasts: one indicator per non-baseline level
                for lv in case.levels[var][1:]:
                    out[f"{var}{lv}"] = (df[var].astype(str) == lv).to_numpy(float)
            elif kind == "re":
                codes = {lv: i for i, lv in enumerate(case.levels[var])}
                out[var] = df[var].astype(str).map(codes).to_numpy(float)
            else:
                out[var] = df[var].to_numpy(float)
        return pd.DataFrame(out)

    basis, kmap = {}, {}
    for var, kind, k in cols:
        if kind == "factor":
            for lv in case.levels[var][1:]:
                basis[f"{var}{lv}"] = "parametric"
            notes.append(f"factor {var} as indicator columns")
        elif kind == "re":
            basis[var] = "re"
        else:
            kmap[var] = k
    X, Xt = frame(case.train), frame(case.test)
    if case.cbind:
        s, fl = case.cbind
        trials = (case.train[s] + case.train[fl]).to_numpy(float)
        y, w = case.train[s].to_numpy(float) / trials, trials
        notes.append("cbind as proportion with sample_weight = trials")
    else:
        y, w = case.train[case.response].to_numpy(float), None
    family = MGCV_RUST_FAMILY[case.family]
    link = "log" if case.family == "Gamma" else None

    def fit() -> Any:
        g = mr.Gam(family=family, link=link, term_k_mapping=kmap, predictor_basis_map=basis, method="REML")
        return g.fit(X, y, sample_weight=w)

    def predict(m: Any) -> Any:
        return np.asarray(m.predict(Xt), dtype=float)

    return Job(fit, predict, notes)


# ---------------------------------------------------------------- running


def loadavg() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def rotate(seq: list[str], k: int) -> list[str]:
    k %= len(seq)
    return seq[k:] + seq[:k]


def run(args: argparse.Namespace) -> dict:
    peers = [p for p in PEERS if not args.peers or p in args.peers.split(",")]
    mods = import_peers(peers)
    pd, np = mods["pandas"], mods["numpy"]
    warnings.simplefilter("ignore")  # peers warn on convergence, k caps, deprecations; not timed output
    metas = json.loads((BENCH / "cases.json").read_text())
    metas = [m for m in metas if m.get("visibility", "public") == "public"]
    if args.cases:
        want = args.cases.split(",")
        unknown = sorted(set(want) - {m["id"] for m in metas})
        if unknown:
            sys.exit(f"error: unknown case(s) {', '.join(unknown)}: see {BENCH / 'cases.json'}")
        metas = [m for m in metas if m["id"] in want]
    tmp_root = Path(tempfile.mkdtemp(prefix="bench-peers-"))
    cases = [Case(m, pd, np) for m in metas]
    jobs: dict[str, dict[str, Job | str]] = {}

    def build(p: str, c: Case) -> Job | str:
        if p == "warmgam-cr":
            mr = mgcv_rust_job(c, mods, np, pd) if "mgcv-rust" in mods else "n/a"
            cr = as_cr(c.formula)
            if isinstance(mr, str) or cr is None:
                return "n/a: mgcv-rust fits this case's own basis (or not at all)"
            job = warmgam_job(c, mods, False, tmp_root, cr)
            job.notes.append(f"{APPROX}{cr}, mgcv-rust's model")
            return job
        if p.startswith("warmgam"):
            return warmgam_job(c, mods, p == "warmgam+cache", tmp_root)
        if p == "pygam":
            return pygam_job(c, mods, np)
        if p == "gamfit":
            return gamfit_job(c, mods, np)
        return mgcv_rust_job(c, mods, np, pd)

    for c in cases:
        row: dict[str, Job | str] = {}
        for p in peers:
            try:
                row[p] = build(p, c)
            except Exception as e:  # noqa: BLE001 (a translation that fails is reported, never fatal)
                row[p] = f"error: preparing: {type(e).__name__}: {e}"
        jobs[c.id] = row

    times: dict[str, dict[str, list[int]]] = {c.id: {p: [] for p in peers} for c in cases}
    spent: dict[tuple[str, str], float] = {}
    dev: dict[str, dict[str, float | None]] = {c.id: {} for c in cases}
    extra: dict[str, dict[str, list[str]]] = {c.id: {p: [] for p in peers} for c in cases}
    load_start = loadavg()
    t_start = time.time()
    for rep in range(args.warmup + args.reps):
        for c in cases:
            for p in rotate(peers, rep):
                job = jobs[c.id][p]
                if isinstance(job, str) or spent.get((c.id, p), 0.0) > args.budget:
                    continue
                if job.before:
                    job.before()
                gc.collect()
                gc.disable()
                try:
                    t0 = time.perf_counter_ns()
                    model = job.fit()
                    t1 = time.perf_counter_ns()
                except Exception as e:  # noqa: BLE001 (a peer's failure is reported, never fatal)
                    gc.enable()
                    jobs[c.id][p] = f"error: {type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else ''}"
                    continue
                gc.enable()
                spent[(c.id, p)] = spent.get((c.id, p), 0.0) + (t1 - t0) / 1e9
                if rep >= args.warmup:
                    times[c.id][p].append(t1 - t0)
                if job.after:
                    note = job.after(model)
                    if note and note not in extra[c.id][p]:
                        extra[c.id][p].append(note)
                if p not in dev[c.id]:
                    try:
                        mu = job.predict(model)
                        dev[c.id][p] = mean_deviance(c.family, c.y_test, mu, c.w_test, np)
                    except Exception as e:  # noqa: BLE001 (reported beside the case)
                        dev[c.id][p] = None
                        extra[c.id][p].append(f"predict failed: {type(e).__name__}: {e}")
                del model
        if args.verbose:
            print(
                f"rep {rep + 1}/{args.warmup + args.reps} done, {time.time() - t_start:.0f} s, load {loadavg()}",
                file=sys.stderr,
            )
    shutil.rmtree(tmp_root, ignore_errors=True)

    versions = {"python": platform.python_version()}
    for name, mod in mods.items():
        versions[name] = getattr(mod, "__version__", None)
    from importlib.metadata import PackageNotFoundError, version

    for dist in ("warmgam", "pygam", "gamfit", "mgcv-rust", "numpy", "scipy", "pandas"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = None
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        head = None
    cpu = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    result = {
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t_start)),
        "git_head": head,
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "threads": "native" if args.threads == "native" else {v: os.environ.get(v) for v in THREAD_VARS},
        "reps": args.reps,
        "warmup": args.warmup,
        "budget_s": args.budget,
        "load_start": load_start,
        "load_end": loadavg(),
        "wall_s": round(time.time() - t_start, 1),
        "versions": versions,
        "peers": peers,
        "cases": {},
    }
    for c in cases:
        entry: dict[str, Any] = {
            "n_train": c.n_train,
            "family": c.family,
            "formula": c.formula,
            "mgcv_test_mean_deviance": c.mgcv_dev,
            "peers": {},
        }
        for p in peers:
            job = jobs[c.id][p]
            ns = times[c.id][p]
            pe: dict[str, Any] = {"times_ns": ns}
            if isinstance(job, str):
                pe["status"] = job
            else:
                pe["status"] = "ok" if ns else "no timed repetition"
                pe["median_ms"] = statistics.median(ns) / 1e6 if ns else None
                pe["notes"] = job.notes + extra[c.id][p]
                pe["test_mean_deviance"] = dev[c.id].get(p)
            entry["peers"][p] = pe
        result["cases"][c.id] = entry
    result["summary"] = summarise(result)
    return result


def summarise(res: dict) -> dict:
    peers = res["peers"]
    out: dict[str, Any] = {}
    for base in (b for b in ("warmgam", "warmgam+cache") if b in peers):
        per: dict[str, Any] = {}
        for p in peers:
            if p.startswith("warmgam"):
                continue
            ratios = {}  # peer time / warmgam time, per case
            for cid, e in res["cases"].items():
                a, b = e["peers"][p], e["peers"][base]
                if a.get("median_ms") and b.get("median_ms"):
                    ratios[cid] = a["median_ms"] / b["median_ms"]
            exact = [
                cid
                for cid in ratios
                if not any(n.startswith(APPROX) for n in res["cases"][cid]["peers"][p].get("notes", []))
            ]
            like = LIKE_FOR_LIKE.get(p)
            if base == "warmgam" and like in peers:
                # Where the peer fits another model, against warmgam fitting that model.
                for cid, e in res["cases"].items():
                    a, b = e["peers"][p], e["peers"][like]
                    if cid in ratios and a.get("median_ms") and b.get("median_ms"):
                        ratios[cid] = a["median_ms"] / b["median_ms"]
                        exact.append(cid)
            per[p] = {
                "like_for_like": bool(like and base == "warmgam" and like in peers),
                "expressible": len(ratios),
                "faster": sum(r > 1 for r in ratios.values()),
                "exact": len(exact),
                "faster_exact": sum(ratios[c] > 1 for c in exact),
                "median_speedup": statistics.median(ratios.values()) if ratios else None,
                "slower_on": sorted(k for k, r in ratios.items() if r <= 1),
                "ratios": ratios,
            }
        every = all(v["faster"] == v["expressible"] for v in per.values())
        tenx = all((per[p]["median_speedup"] or 0) >= 10 for p in TEN_X if p in per)
        out[base] = {
            "vs": per,
            "faster_on_every_expressible_case": every,
            "ten_x_median": tenx,
            "goal": "PASS" if every and tenx else "FAIL",
        }
    # Held-out deviance: warmgam against mgcv's reference, each peer against warmgam.
    dev: dict[str, Any] = {}
    if "warmgam" in peers:
        rel = [
            abs(e["peers"]["warmgam"]["test_mean_deviance"] - e["mgcv_test_mean_deviance"])
            / abs(e["mgcv_test_mean_deviance"])
            for e in res["cases"].values()
            if e["peers"]["warmgam"].get("test_mean_deviance") is not None
        ]
        dev["warmgam_max_rel_diff_vs_mgcv"] = max(rel) if rel else None
        for p in peers:
            if p.startswith("warmgam"):
                continue
            pairs = [
                (e["peers"][p]["test_mean_deviance"], e["peers"]["warmgam"]["test_mean_deviance"])
                for e in res["cases"].values()
                if e["peers"][p].get("test_mean_deviance") is not None
                and e["peers"]["warmgam"].get("test_mean_deviance") is not None
            ]
            dev[p] = {"worse": sum(d > w for d, w in pairs), "of": len(pairs)}
    out["deviance"] = dev
    return out


# ---------------------------------------------------------------- report


def fmt_ms(ms: float | None) -> str:
    if ms is None:
        return "–"
    return f"{ms:.1f}" if ms < 100 else f"{ms:.0f}"


def fmt_dev(d: float | None) -> str:
    return "–" if d is None or not math.isfinite(d) else f"{d:.4g}"


def report(res: dict) -> str:
    peers = res["peers"]
    L = []
    L.append(f"# warmgam against Python GAM peers ({res['date_utc']}, HEAD {res['git_head']})")
    L.append("")
    thr = res["threads"] if res["threads"] == "native" else "1 (OMP/OPENBLAS/MKL/RAYON_NUM_THREADS)"
    L.append(f"- machine: {res['cpu']}, {res['nproc']} cores, shared; threads {thr}")
    L.append(f"- load average (1/5/15 min): start {res['load_start']}, end {res['load_end']}; wall {res['wall_s']} s")
    L.append(
        f"- median of {res['reps']} interleaved repetitions after {res['warmup']} warm-up; "
        f"a peer stops being timed on a case after {res['budget_s']:.0f} s"
    )
    v = res["versions"]
    L.append(
        "- versions: "
        + ", ".join(
            f"{k} {v.get(k)}" for k in ("python", "warmgam", "pygam", "gamfit", "mgcv-rust", "numpy", "scipy", "pandas")
        )
    )
    L.append("")
    L.append("## Fit time, ms (ratio = peer / warmgam with cache=False)")
    L.append("")
    head = ["case", "n_train", "family"] + peers
    L.append("| " + " | ".join(head) + " |")
    L.append("|" + "|".join(["---"] * 3 + ["---:"] * len(peers)) + "|")
    for cid, e in res["cases"].items():
        base = e["peers"].get(BASE, {}).get("median_ms")
        cells = [cid, str(e["n_train"]), e["family"]]
        for p in peers:
            pe = e["peers"][p]
            ms = pe.get("median_ms")
            if ms is None:
                cells.append("n/a" if pe["status"].startswith("n/a") else "error")
            elif p == BASE or base is None:
                cells.append(fmt_ms(ms))
            else:
                cells.append(f"{fmt_ms(ms)} ({ms / base:.2g}x)")
        L.append("| " + " | ".join(cells) + " |")
    L.append("")
    L.append("## Held-out mean deviance (test rows)")
    L.append("")
    dpeers = [p for p in peers if p != "warmgam+cache"]
    L.append("| case | mgcv | " + " | ".join(dpeers) + " |")
    L.append("|---|" + "|".join(["---:"] * (1 + len(dpeers))) + "|")
    for cid, e in res["cases"].items():
        cells = [cid, fmt_dev(e["mgcv_test_mean_deviance"])]
        for p in dpeers:
            pe = e["peers"][p]
            cells.append(fmt_dev(pe.get("test_mean_deviance")) if pe.get("median_ms") is not None else "n/a")
        L.append("| " + " | ".join(cells) + " |")
    L.append("")
    L.append("## Summary")
    L.append("")
    for base, s in res["summary"].items():
        if base == "deviance":
            continue
        L.append(f"**{base}**")
        for p, r in s["vs"].items():
            ms = r["median_speedup"]
            slow = f"; not faster on {', '.join(r['slower_on'])}" if r["slower_on"] else ""
            lfl = " (where it fits another basis, against warmgam-cr: the same model)" if r.get("like_for_like") else ""
            L.append(
                f"- vs {p}{lfl}: median speedup {ms:.2f}x over {r['expressible']} cases; faster on "
                f"{r['faster']}/{r['expressible']} (on those it fits without approximation (≈): "
                f"{r['faster_exact']}/{r['exact']}){slow}"
                if ms
                else f"- vs {p}: no case in common"
            )
        L.append(
            f"- goal (faster than every peer on every case it expresses; >= 10x pyGAM and gamfit in "
            f"the median): **{s['goal']}** (every case: {'yes' if s['faster_on_every_expressible_case'] else 'no'}; "
            f"10x median: {'yes' if s['ten_x_median'] else 'no'})"
        )
        L.append("")
    dv = res["summary"].get("deviance", {})
    if dv.get("warmgam_max_rel_diff_vs_mgcv") is not None:
        worse = "; ".join(f"{p} {v['worse']}/{v['of']}" for p, v in dv.items() if isinstance(v, dict))
        L.append(
            f"**held-out deviance**: warmgam's is mgcv's to {dv['warmgam_max_rel_diff_vs_mgcv']:.1e} (largest "
            f"relative difference); cases where a peer's is worse than warmgam's: {worse}"
        )
        L.append("")
    L.append("## Notes: what each peer fits (≈ an approximation of the mgcv model), n/a and errors")
    L.append("")
    for cid, e in res["cases"].items():
        items = []
        for p in peers:
            pe = e["peers"][p]
            if pe["status"] != "ok":
                items.append(f"{p}: {pe['status']}")
            elif pe.get("notes"):
                items.append(f"{p}: " + "; ".join(pe["notes"]))
        if items:
            L.append(f"- **{cid}** — " + " · ".join(items))
    return "\n".join(L) + "\n"


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--setup", action="store_true", help=f"make {VENV} with the peers and warmgam, then run in it")
    ap.add_argument("--reps", type=int, default=5, help="timed repetitions per case and peer (default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed repetitions first (default 1)")
    ap.add_argument("--cases", help="comma-separated case ids (default: all public cases)")
    ap.add_argument("--peers", help=f"comma-separated subset of {','.join(PEERS)}")
    ap.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="stop timing a peer on a case once its fits have taken this many seconds (default 60)",
    )
    ap.add_argument(
        "--threads",
        choices=["1", "native"],
        default="1",
        help="1: pin BLAS/OpenMP/rayon pools to one thread (default); native: library defaults",
    )
    ap.add_argument("--json", help="write the raw result (all times in ns) to this file")
    ap.add_argument("--md", help="write the report (markdown) to this file too")
    ap.add_argument("-v", "--verbose", action="store_true", help="progress per repetition on stderr")
    ap.add_argument("--from-json", metavar="FILE", help="print the report of a saved --json result; fit nothing")
    args = ap.parse_args(argv)
    if args.setup:
        setup_and_reexec(argv)
    if args.reps < 1 or args.warmup < 0:
        sys.exit("error: --reps must be at least 1 and --warmup at least 0")
    bad = sorted(set(args.peers.split(",")) - set(PEERS)) if args.peers else []
    if bad:
        sys.exit(f"error: unknown peer(s) {', '.join(bad)}: choose from {','.join(PEERS)}")
    if args.from_json:
        res = json.loads(Path(args.from_json).read_text())
        res["summary"] = summarise(res)
    else:
        res = run(args)
    text = report(res)
    print(text, end="")
    if args.md:
        Path(args.md).write_text(text)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
