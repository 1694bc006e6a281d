"""The package's shape is its architecture: raw → data → indicators → presentation → briefings → run.

Imports are read from the source (also those inside functions), so a circle cannot hide in a late
import.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import helpers
from helpers.data.build import OBSERVATION_COLUMNS

PACKAGE = Path(helpers.__file__).parent
BRIEFINGS = {"helpers.briefings.kommune_profil", "helpers.briefings.kreis_uebersicht",
             "helpers.briefings.kommunen_vergleich"}
TOP_LEVEL_LIMIT = 12
LINE_LIMIT = 450


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
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
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
    too_long = sorted(f"{name}: {n}" for name, n in lines.items() if n > LINE_LIMIT)
    assert not too_long, f"modules over {LINE_LIMIT} lines:\n" + "\n".join(too_long)


def test_few_loose_modules_at_the_top():
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(loose) <= TOP_LEVEL_LIMIT, loose


def _briefing(module: str) -> str | None:
    """The briefing (package) a module belongs to, if any."""
    return next((b for b in BRIEFINGS if module == b or module.startswith(b + ".")), None)


@pytest.mark.parametrize("name", sorted(BRIEFINGS))
def test_briefing_modules_are_peers(name):
    own = [m for m in MODULES if _briefing(m) == name]
    assert len(own) > 1, f"{name} is no package of its own modules"
    crossing = sorted(f"{m} → {t}" for m in own for t in GRAPH[m] if _briefing(t) not in (None, name))
    assert not crossing, f"{name} imports another briefing:\n" + "\n".join(crossing)


# --- briefings select no observation rows (helpers.indicators does) ------------------------------------------

MASK_METHODS = {"isin", "notna", "isna", "notnull", "isnull", "between", "startswith", "endswith", "contains", "match",
                "fullmatch", "eq", "ne", "lt", "le", "gt", "ge", "duplicated"}
DATA_FRAMES = {"obs", "facts", "everything"}  # the observations and facts as a briefing's context holds them


def _columns(node: ast.AST) -> set[str]:
    """The observation columns an expression reads (``frame["variable"]``)."""
    return {n.slice.value for n in ast.walk(node) if isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Constant)
            and n.slice.value in OBSERVATION_COLUMNS}


def _is_mask(node: ast.AST) -> bool:
    """A row condition: a comparison, a combination of conditions, or a pandas test such as ``.isin``."""
    return (isinstance(node, (ast.Compare, ast.BoolOp))
            or (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)))
            or (isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Invert, ast.Not)))
            or (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MASK_METHODS))


def _frame_name(node: ast.AST) -> str:
    """``obs`` for ``obs``, ``ctx.obs`` and ``obs.loc``."""
    while isinstance(node, ast.Attribute) and node.attr in ("loc", "iloc"):
        node = node.value
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _ags_length(node: ast.AST) -> bool:
    """``len(ags) == 8`` or ``frame["ags"].str.len() == 8``: telling a Kommune by the length of its AGS."""
    if not isinstance(node, ast.Compare) or not all(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
        return False
    sides = [node.left, *node.comparators]
    lengths = [s for s in sides if isinstance(s, ast.Call) and "ags" in ast.unparse(s)
               and (getattr(s.func, "id", None) == "len" or getattr(s.func, "attr", None) == "len")]
    return bool(lengths) and any(isinstance(s, ast.Constant) and s.value in (2, 5, 8) for s in sides)


def row_selections(source: str) -> list[str]:
    """Where code selects rows itself: ``frame[mask]`` or ``frame.loc[mask, …]`` with a condition on an
    observation column (also one kept in a name first), ``.query(…)``, indexing the observations or
    facts by anything but column names, or telling a Kommune by the length of its AGS."""
    found = []
    for scope in [node for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.Module, ast.FunctionDef))]:
        masks = {t.id for node in ast.walk(scope) if isinstance(node, ast.Assign) and _is_mask(node.value)
                 and _columns(node.value) for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(scope):
            if isinstance(node, ast.Subscript):
                index = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
                by_columns = isinstance(index, ast.Constant) or (
                    isinstance(index, ast.List) and all(isinstance(e, ast.Constant) for e in index.elts))
                if ((_is_mask(index) and _columns(index)) or (isinstance(index, ast.Name) and index.id in masks)
                        or (_frame_name(node.value) in DATA_FRAMES and not by_columns)):
                    found.append(f"{node.lineno}: {ast.unparse(node)[:100]}")
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "query":
                found.append(f"{node.lineno}: {ast.unparse(node)[:100]}")
            elif _ags_length(node):
                found.append(f"{node.lineno}: {ast.unparse(node)[:100]} (Region.is_kommune)")
    return sorted(set(found), key=lambda line: int(line.split(":")[0]))


@pytest.mark.parametrize("name", sorted(m for m in MODULES if m.startswith("helpers.briefings")))
def test_briefings_select_no_observation_rows(name):
    """Rows are selected in helpers.indicators (named queries), so the briefings only lay out figures."""
    found = row_selections(MODULES[name].read_text(encoding="utf-8"))
    assert not found, f"{name} selects rows itself; add a query to helpers.indicators.queries:\n" + "\n".join(found)


@pytest.mark.parametrize("code", [
    'population = everything[(everything["ags"] == place.ags) & (everything["variable"] == "population")]',
    'facts = facts[(facts["ags"] == place.ags) & (facts["date"].isna() | (facts["date"] <= day))]',
    'recorded = p.obs.loc[p.obs["variable"] == flag, "ags"].astype(str)',
    'population = long[long["variable"] == "population"]',
    'first = obs[obs["variable"] == "population"].groupby("ags")["date"].min()',
    'def f(rows):\n    keep = rows["status"] != "incomplete"\n    return rows[keep]',
    'rows = table.query("date == @day and base.str.startswith(\'update\')")',
    'local = table[table["ags"].str.len() == 8]',
    'kommune = [a for a in regions if len(a.ags) == 8]',
    'dates = ctx.obs[ctx.obs["source_id"].isin(ids)]',
])
def test_the_row_check_catches_a_selection(code):
    assert row_selections(code), code


@pytest.mark.parametrize("code", [
    'value = frame["value"].max()', 'row = frame.loc["05154036", "value"]', 'first = frame.iloc[0]',
    'shown = frame[["ags", "value"]]', 'top = [f for f in figures if not f.missing]', 'newest = ctx.obs["date"].max()',
    'change = new.loc[both, "value"] - old.loc[both, "value"]', 'if len(ranked) >= 2: pass',
])
def test_the_row_check_lets_layout_through(code):
    assert not row_selections(code), code


def test_layers_point_one_way():
    """Lower layers never import higher ones (data never presentation, presentation never briefings …)."""
    order = ["helpers.ingest", "helpers.data", "helpers.indicators", "helpers.presentation",
             "helpers.briefings", "helpers.run", "helpers.commands"]

    def layer(module: str) -> int | None:
        return next((i for i, prefix in enumerate(order) if module == prefix or module.startswith(prefix + ".")), None)

    upward = [f"{source} → {target}" for source, targets in GRAPH.items() for target in targets
              if layer(source) is not None and layer(target) is not None and layer(target) > layer(source)]
    assert not upward, "imports against the pipeline's direction:\n" + "\n".join(sorted(upward))
