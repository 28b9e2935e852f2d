"""The README's Python examples run as written: the quickstart, the plot
(when matplotlib is installed) and the scikit-learn example (when
scikit-learn is)."""

from __future__ import annotations

import re

import pytest

from conftest import MCYCLE, ROOT


def _blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### From Python"):]
    return [b.replace("examples/mcycle.csv", str(MCYCLE)) for b in re.findall(r"```python\n(.*?)```", section, re.S)]


def test_the_readme_quickstart_runs(tmp_path, monkeypatch, capsys):
    pytest.importorskip("pandas")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GAM_CACHE_DIR", str(tmp_path / "cache"))
    exec(compile(_blocks()[0], "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "Approximate significance of smooth terms:" in out
    assert out.rstrip().endswith("cold start")
    assert (tmp_path / "model.json").exists()


def test_the_readme_plot_and_scikit_learn_examples_run(tmp_path, monkeypatch):
    pytest.importorskip("pandas")
    matplotlib = pytest.importorskip("matplotlib")
    pytest.importorskip("sklearn")
    matplotlib.use("Agg")  # no display
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GAM_CACHE_DIR", str(tmp_path / "cache"))
    # The quick start, "Looking at a fit" (plots, check, concurvity, anova,
    # compare, sample) and the scikit-learn example.
    quickstart, plot, sklearn_example = _blocks()[:3]
    env: dict = {}
    exec(compile(quickstart, "README.md", "exec"), env)
    exec(compile(plot, "README.md", "exec"), env)
    png = tmp_path / "mcycle.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    exec(compile(sklearn_example, "README.md", "exec"), env)
