"""Issue 16's smooths through warmgam, against the mgcv 1.8-41 references
the Rust tests use (``crates/gam/tests/data/{id,tensor_d,mrf,t2}``): the same
formula text reaches the same fit from Python."""

from __future__ import annotations

import json
import math

import pytest

import warmgam as wg
from conftest import ROOT, read_csv_dict

DATA = ROOT / "crates" / "gam" / "tests" / "data"
#: REML criterion, relative (the usual fidelity tolerance).
REML_REL_TOL = 1e-6
#: log smoothing parameters, absolute.
LOG_SP_ABS_TOL = 1e-3


def scalar(v) -> float:
    """A number of the reference files (R writes scalars as one-element arrays)."""
    return float(v[0] if isinstance(v, list) else v)


def reference(case: str) -> dict:
    return json.loads((DATA / f"{case}.json").read_text())


@pytest.mark.parametrize(
    "case", ["id/id_tp", "id/id_by", "tensor_d/te_d21", "tensor_d/ti_mc", "t2/t2_cr", "t2/t2_by"]
)
def test_linked_smooths_and_tensor_margins_match_mgcv(case):
    r = reference(case)
    data = read_csv_dict(DATA / r["data"])
    m = wg.gam(r["formula"], data=data, cache=False)
    assert m.criterion == pytest.approx(scalar(r["reml"]), rel=REML_REL_TOL)
    sp = list(m.sp.values())
    assert len(sp) == len(r["full_sp"])
    for ours, theirs in zip(sp, r["full_sp"]):
        assert math.log(ours) == pytest.approx(math.log(float(theirs)), abs=LOG_SP_ABS_TOL)
    # mgcv's names: a t2() term's penalties are named by their blocks (t2(x,z)rr, ...).
    assert list(m.sp) == list(r["full_sp_names"] if isinstance(r["full_sp_names"], list) else [r["full_sp_names"]])


def test_an_mrf_reads_its_neighbourhood_file(tmp_path, monkeypatch):
    r = reference("mrf/mrf_gauss")
    data = read_csv_dict(DATA / r["data"])
    # The file is named relative to the current directory.
    monkeypatch.chdir(ROOT / "crates" / "gam")
    m = wg.gam(r["formula"], data=data, cache=False)
    assert m.criterion == pytest.approx(scalar(r["reml"]), rel=REML_REL_TOL)
    # A saved model keeps the penalty, not the path: it predicts from anywhere.
    path = tmp_path / "m.json"
    m.save(path)
    monkeypatch.chdir(tmp_path)
    back = wg.load(path)
    new = read_csv_dict(DATA / r["newdata"])
    pred = back.predict(new)
    assert pred["fit"] == pytest.approx([float(v) for v in r["pred"]], abs=1e-6)


def test_a_bad_neighbourhood_file_is_one_line_naming_term_and_file(tmp_path):
    r = reference("mrf/mrf_gauss")
    data = read_csv_dict(DATA / r["data"])
    nb = tmp_path / "nb.json"
    nb.write_text('{"format": "gam-neighbours/1", "neighbours": {"a": ["b"], "b": []}}')
    with pytest.raises(wg.errors.FormulaError) as e:
        wg.gam(f'y ~ s(area, bs = "mrf", xt = "{nb}")', data=data, cache=False)
    text = str(e.value)
    assert "s(area)" in text and "nb.json" in text and "\n" not in text
