"""The import rules of the tree, read from the code's own import statements
(every ``import`` and ``from … import``, also inside functions):

* ``uvcore`` never imports ``app``;
* a view (``app.views.<name>``) never imports another view;
* ``app.core`` never imports a view, and ``app.shell`` imports neither a
  view nor ``app.core``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute (``from p import x`` counts as
    ``p`` and, when ``p.x`` is a module of the tree, as ``p.x``)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            for a in node.names:
                sub = f"{mod}.{a.name}"
                if (ROOT / Path(*sub.split("."))).with_suffix(".py").exists() \
                        or (ROOT / Path(*sub.split(".")) / "__init__.py").exists():
                    out.add(sub)
    return out


def sources(top: str) -> list[Path]:
    return sorted(p for p in (ROOT / top).rglob("*.py") if "__pycache__" not in p.parts)


def inside(mod: str, prefix: str) -> bool:
    return mod == prefix or mod.startswith(prefix + ".")


def view_of(mod: str) -> str | None:
    parts = mod.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["app", "views"] else None


def test_the_rules_see_imports_of_every_kind(tmp_path):
    """The reader finds relative, absolute and function-level imports."""
    here = ROOT / "app" / "views"
    some_view = next(p for p in sorted(here.iterdir()) if p.is_dir() and p.name != "__pycache__")
    found = set().union(*(imported(p) for p in sources(f"app/views/{some_view.name}")))
    assert any(inside(m, "app.core") for m in found), found
    assert imported(ROOT / "app" / "__init__.py") >= {"app.shell.jobs"}


def test_uvcore_never_imports_app():
    bad = {module_name(p): sorted(m for m in imported(p) if inside(m, "app"))
           for p in sources("uvcore")}
    assert {k: v for k, v in bad.items() if v} == {}


def test_a_view_never_imports_another_view():
    bad = {}
    for p in sources("app/views"):
        mine = view_of(module_name(p))
        others = sorted(m for m in imported(p) if view_of(m) not in (None, mine))
        if others:
            bad[module_name(p)] = others
    assert bad == {}


@pytest.mark.parametrize("layer, forbidden", [("app/core", ("app.views",)),
                                              ("app/shell", ("app.views", "app.core"))])
def test_core_and_shell_stay_below_the_views(layer, forbidden):
    bad = {module_name(p): sorted(m for m in imported(p) if any(inside(m, f) for f in forbidden))
           for p in sources(layer)}
    assert {k: v for k, v in bad.items() if v} == {}
