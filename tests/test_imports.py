"""Every public name imports from where it is documented; commission has no import circle."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import salescore

COMMISSION = Path(salescore.__file__).parent / "commission"


def _modules() -> list[str]:
    names = ["salescore"]
    for info in pkgutil.walk_packages(salescore.__path__, "salescore."):
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return names


def test_all_every_name_imports():
    missing = []
    for name in _modules():
        module = importlib.import_module(name)
        for public in getattr(module, "__all__", []):
            if not hasattr(module, public):
                missing.append(f"{name}.{public}")
    assert missing == []


def test_all_commission_public_paths_kept():
    # The names the commission modules made public before their re-lay.
    kept = {
        "statement": ["Adjustment", "AdjustmentKind", "Carry", "Credit", "LineKind"],
        "clawbacks": ["REFUNDS", "Clawback", "ClawbackFrames", "ClawbackRate", "Refund"],
        "bulk": ["ATTRIBUTES", "CARRY_COLUMNS", "CLAWBACKS", "CREDITS", "StatementsFrames"],
        "conversion": ["Conversion", "convert_credits"],
    }
    for module, names in kept.items():
        loaded = importlib.import_module(f"salescore.commission.{module}")
        assert all(hasattr(loaded, n) for n in names), module
        assert set(names) <= set(loaded.__all__), module


def _imports(path: Path) -> set[str]:
    """The ``salescore.commission`` modules ``path`` imports, at any depth, even if lazily."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            if node.module == "salescore.commission":
                found |= {f"salescore.commission.{a.name}" for a in node.names}
            elif node.module.startswith("salescore.commission."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("salescore.commission.")}
    return found


def _graph() -> dict[str, set[str]]:
    files = {
        "salescore.commission."
        + ".".join(p.relative_to(COMMISSION).with_suffix("").parts).removesuffix(".__init__"): p
        for p in COMMISSION.rglob("*.py")
        if p.name != "__init__.py" or p.parent != COMMISSION
    }
    return {name: _imports(path) & set(files) for name, path in files.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle of ``graph`` as a path, or ``[]``."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_commission_imports_no_cycle():
    graph = _graph()
    assert "salescore.commission.statement" in graph
    assert _cycle(graph) == []


def test_cycle_finds_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []
