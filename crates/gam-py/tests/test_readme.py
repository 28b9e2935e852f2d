"""The README's Python quickstart runs as written."""

from __future__ import annotations

import re

import pytest

from conftest import MCYCLE, ROOT


def test_the_readme_quickstart_runs(tmp_path, monkeypatch, capsys):
    pytest.importorskip("pandas")
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## From Python"):]
    block = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GAM_CACHE_DIR", str(tmp_path / "cache"))
    exec(compile(block.replace("examples/mcycle.csv", str(MCYCLE)), "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "Approximate significance of smooth terms:" in out
    assert out.rstrip().endswith("cold start")
    assert (tmp_path / "model.json").exists()
