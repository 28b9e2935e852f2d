"""Parity with the ``gam`` command on every public reference case: the
summary text and the saved model file are the command's byte for byte, and
predictions with standard errors equal ``gam predict``'s CSV bit for bit."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

import warmgam as wg
from conftest import BENCH, public_cases, read_csv_dict, read_csv_pandas, run_cli

CASES = public_cases()


def _train_test_rows(case: dict) -> tuple[range, range]:
    a, b = (int(v) for v in case["split"]["train_rows"].split(".."))
    c, d = (int(v) for v in case["split"]["test_rows"].split(".."))
    return range(a - 1, b), range(c - 1, d)


def _write_test_csv(case: dict, path, columns: list[str]) -> None:
    """The case's test rows without a missing value in `columns`, as a CSV file."""
    import gzip

    src = BENCH / case["data"]
    opener = gzip.open if src.suffix == ".gz" else open
    with opener(src, "rt", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    _, test = _train_test_rows(case)
    idx = [header.index(c) for c in columns]
    keep = [body[i] for i in test if all(body[i][j] not in ("", "NA") for j in idx)]
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(keep)


def _cli_csv(text: str) -> dict[str, np.ndarray]:
    rows = list(csv.reader(io.StringIO(text)))
    return {name: np.array([float(r[j]) for r in rows[1:]]) for j, name in enumerate(rows[0])}


def _cli_fit(cli, case, out):
    args = ["fit", BENCH / case["data"], case["formula"], "--family", case["family"], "--link", case["link"]]
    args += ["--method", case["method"], "--no-cache", "-q", "--out", out]
    for f in case["factors"]:
        args += ["--factor", f]
    return run_cli(cli, *args).stdout


def _py_fit(case, data):
    return wg.gam(case["formula"], family=case["family"], data=data, method=case["method"], link=case["link"],
                  factors=case["factors"], cache=False, progress=False)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_summary_model_file_and_predictions_equal_the_command(case, cli, tmp_path):
    cli_json = tmp_path / "cli.json"
    cli_summary = _cli_fit(cli, case, cli_json)

    m = _py_fit(case, read_csv_dict(BENCH / case["data"]))
    assert m.summary() == cli_summary
    py_json = tmp_path / "py.json"
    m.save(py_json)
    assert py_json.read_bytes() == cli_json.read_bytes()
    assert m.to_json() == cli_json.read_text()

    test_csv = tmp_path / "test.csv"
    _write_test_csv(case, test_csv, m.predictor_columns)
    new = read_csv_dict(test_csv)
    for kind in ("link", "response"):
        want = _cli_csv(run_cli(cli, "predict", cli_json, test_csv, "--se", "--type", kind).stdout)
        got = m.predict(new, type=kind, se=True)
        assert list(got) == list(want) == ["fit", "se_fit"]
        for col in want:
            np.testing.assert_array_equal(got[col], want[col])


@pytest.mark.parametrize("case", [c for c in CASES if c["n"] <= 10_000], ids=lambda c: c["id"])
def test_a_pandas_frame_fits_as_the_command(case, cli, tmp_path):
    data = read_csv_pandas(BENCH / case["data"])
    cli_summary = _cli_fit(cli, case, tmp_path / "cli.json")
    m = _py_fit(case, data)
    assert m.summary() == cli_summary
    assert m.to_json() == (tmp_path / "cli.json").read_text()
    # Predictions come back as pandas, on the caller's index.
    new = data.iloc[::7].dropna(subset=m.predictor_columns)
    p = m.predict(new, type="response", se=True)
    assert type(p) is type(new)
    assert list(p.index) == list(new.index)
    assert list(p.columns) == ["fit", "se_fit"]
