"""The package's shape is its architecture: raw → data → indicators → presentation → briefings → run.

Imports are read from the source (also those inside functions), so a circle cannot hide in a late
import.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import helpers

PACKAGE = Path(helpers.__file__).parent
BRIEFINGS = {"helpers.briefings.kommune_profil", "helpers.briefings.kreis_uebersicht",
             "helpers.briefings.kommunen_vergleich"}
TOP_LEVEL_LIMIT = 12
LINE_LIMIT = 450
# The only modules allowed over LINE_LIMIT: the three briefing modules, split in a later step (issue 32).
LONGER = {"helpers.briefings.kommune_profil", "helpers.briefings.kreis_uebersicht",
          "helpers.briefings.kommunen_vergleich"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imported(name: str) -> set[str]:
    """The helpers modules ``name`` imports anywhere in its source."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            submodules = {f"{base}.{a.name}" for a in node.names} & MODULES.keys()
            found.update(submodules if len(submodules) == len(node.names) else {base, *submodules})
    return {m for m in found if m in MODULES and m != name and m != "helpers"}


GRAPH = {name: imported(name) for name in MODULES}


def test_no_import_circle():
    state: dict[str, str] = {}
    circles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for target in sorted(GRAPH[node]):
            if state.get(target) == "open":
                circles.append(" → ".join(trail[trail.index(target):] + [target]))
            elif target not in state:
                visit(target, trail + [target])
        state[node] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert not circles, "import circles in src/helpers:\n" + "\n".join(circles)


def test_no_module_is_longer_than_the_limit():
    """A module over LINE_LIMIT lines mixes jobs: split it along its seams."""
    lines = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in MODULES.items()}
    too_long = sorted(f"{name}: {n}" for name, n in lines.items() if n > LINE_LIMIT and name not in LONGER)
    assert not too_long, f"modules over {LINE_LIMIT} lines:\n" + "\n".join(too_long)


def test_few_loose_modules_at_the_top():
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(loose) <= TOP_LEVEL_LIMIT, loose


@pytest.mark.parametrize("name", sorted(BRIEFINGS))
def test_briefing_modules_are_peers(name):
    assert not GRAPH[name] & (BRIEFINGS - {name}), f"{name} imports another briefing module"


def test_layers_point_one_way():
    """Lower layers never import higher ones (data never presentation, presentation never briefings …)."""
    order = ["helpers.ingest", "helpers.data", "helpers.indicators", "helpers.presentation",
             "helpers.briefings", "helpers.run", "helpers.commands"]

    def layer(module: str) -> int | None:
        return next((i for i, prefix in enumerate(order) if module == prefix or module.startswith(prefix + ".")), None)

    upward = [f"{source} → {target}" for source, targets in GRAPH.items() for target in targets
              if layer(source) is not None and layer(target) is not None and layer(target) > layer(source)]
    assert not upward, "imports against the pipeline's direction:\n" + "\n".join(sorted(upward))
