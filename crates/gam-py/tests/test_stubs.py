"""The type stubs describe the extension module: every public name of
``warmgam._warmgam`` has a stub and every stub a name; ``py.typed`` ships."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import warmgam
from warmgam import _warmgam


def _stub_names(tree: ast.Module) -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            members = set()
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef):
                        members.add(item.name)
                    elif isinstance(item, ast.AnnAssign):
                        members.add(item.target.id)
            names[node.name] = members
        elif isinstance(node, ast.AnnAssign):
            names[node.target.id] = set()
    return names


def test_every_public_name_has_a_stub_and_back():
    package = Path(warmgam.__file__).parent
    assert (package / "py.typed").exists()
    stubs = _stub_names(ast.parse((package / "_warmgam.pyi").read_text()))
    public = {n for n in dir(_warmgam) if not n.startswith("_")} | {"__version__"}
    assert public == set(stubs)
    for name, members in stubs.items():
        obj = getattr(_warmgam, name)
        if inspect.isclass(obj):
            have = {m for m in dir(obj) if not m.startswith("_")}
            assert have == members, name


def test_no_progress_output_when_not_interactive(capfd):
    import numpy as np

    x = np.linspace(0, 1, 60)
    warmgam.gam("y ~ s(x)", data={"x": x, "y": np.cos(5 * x)}, cache=False)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
