"""Issue 16 from Python: a pandas ordered Categorical as a smooth's ``by``
(smooths for the levels after the first, mgcv's rule) and a random effect of
several covariates, ``s(g, x, bs = "re")``, against the mgcv 1.8-41
references of ``crates/gam/tests/data/i16_re``."""

from __future__ import annotations

import json

import numpy as np
import pytest

import warmgam as wg
from conftest import ROOT

DATA = ROOT / "crates" / "gam" / "tests" / "data" / "i16_re"


def _reference(case: str) -> dict:
    return json.loads((DATA / f"{case}.json").read_text())


def _num(v) -> float:
    return float(v[0] if isinstance(v, list) else v)


def _frame(pd, name: str):
    df = pd.read_csv(DATA / name)
    # make_reference.R reads o as ordered(o, levels = c("a", "b", "c", "d")).
    df["o"] = pd.Categorical(df["o"], categories=["a", "b", "c", "d"], ordered=True)
    return df


@pytest.mark.parametrize(
    ("case", "family"), [("ord_by", "gaussian"), ("re_gx", "gaussian"), ("re_gh_pois", "poisson")]
)
def test_fits_and_predictions_match_mgcv(case, family):
    pd = pytest.importorskip("pandas")
    r = _reference(case)
    m = wg.gam(r["formula"], data=_frame(pd, "re_n300.csv"), family=family, cache=False)
    assert abs(m.criterion - _num(r["criterion"])) <= 1e-6 * abs(_num(r["criterion"]))
    assert list(m.sp) == r["sp_names"]
    assert m.coefficient_names == r["coefficients"]["names"]
    p = m.predict(_frame(pd, "new_n8.csv"), se=True)
    spread = _num(r["sd_y"]) if family == "gaussian" else _num(r["sd_lp"])
    want_fit = np.array([float(v) for v in r["predict"]["fit"]])
    want_se = np.array([float(v) for v in r["predict"]["se_fit"]])
    assert np.max(np.abs(p["fit"].to_numpy() - want_fit)) <= 1e-4 * spread
    assert np.max(np.abs(p["se_fit"].to_numpy() / want_se - 1)) <= 0.01


def test_an_unordered_categorical_gives_every_level_a_smooth():
    pd = pytest.importorskip("pandas")
    df = _frame(pd, "re_n300.csv")
    df["o"] = df["o"].cat.as_unordered()
    m = wg.gam("y ~ o + s(x) + s(x, by = o)", data=df, cache=False)
    assert list(m.sp) == ["s(x)", "s(x):oa", "s(x):ob", "s(x):oc", "s(x):od"]
