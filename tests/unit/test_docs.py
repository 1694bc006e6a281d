"""The documentation names what exists: every ``helpers.…`` name, every ``src/helpers/…`` path and every
``python -m helpers data …`` action in the READMEs and the explore notebooks resolves. (Row counts of the build:
tests/data/test_docs_rows.py.)"""
import argparse
import importlib
import re

import nbformat
import pytest

from helpers.commands import data as data_command
from helpers.paths import NOTEBOOKS_DIR, ROOT

DOCS = [ROOT / "README.md", ROOT / "data" / "processed" / "README.md"]
NOTEBOOKS = sorted((NOTEBOOKS_DIR / "explore").glob("*.ipynb"))
NAME = re.compile(r"\bhelpers(?:\.[A-Za-z_]\w*)+")
PATH = re.compile(r"\bsrc/helpers/[\w./<>-]*[\w>]")  # a path with <placeholder> is a pattern, skipped
ACTION = re.compile(r"python -m helpers data ([a-z]+)")


def _texts() -> dict[str, str]:
    texts = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in DOCS}
    for path in NOTEBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        texts[path.relative_to(ROOT).as_posix()] = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    return texts


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


def test_documented_helpers_names_exist():
    missing = sorted({f"{doc}: {name}" for doc, text in _texts().items() for name in NAME.findall(text)
                      if not _resolves(name)})
    assert not missing, "documented but not in the code:\n" + "\n".join(missing)


def test_documented_source_paths_exist():
    missing = sorted({f"{doc}: {path}" for doc, text in _texts().items() for path in PATH.findall(text)
                      if "<" not in path and not (ROOT / path.rstrip(".")).exists()})
    assert not missing, "documented paths that do not exist:\n" + "\n".join(missing)


def test_documented_data_actions_exist():
    parser = argparse.ArgumentParser()
    data_command.configure(parser)
    actions = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices  # noqa: SLF001
    missing = sorted({a for text in _texts().values() for a in ACTION.findall(text) if a not in actions})
    assert not missing, f"README names `data` actions the command does not have: {missing}"


@pytest.mark.parametrize("text, found", [
    ("see `helpers.data.load(name)`", False), ("`helpers.data.store.load`", True),
    ("helpers.research.similar", True), ("helpers.indicators.nothing_here", False)])
def test_the_name_check_can_fail(text, found):
    assert all(_resolves(n) for n in NAME.findall(text)) is found
