"""jsonschema compiles rfc3987-syntax's 39 Lark grammars on import (1–4 s of CPU, python-jsonschema/jsonschema#1428)
unless ``import helpers`` came first (src/helpers/__init__.py): every process here must pay nothing for it."""
import subprocess
import sys


def test_pytest_imported_helpers_before_nbval_imported_nbformat():
    """pyproject's ``-p helpers``: the test processes (the main one and every xdist worker) skip the grammars too."""
    assert "nbformat" in sys.modules  # nbval's, at pytest's start
    assert sys.modules["rfc3987_syntax"] is None


def test_a_process_that_imports_helpers_first_never_compiles_the_grammars():
    code = "import sys, helpers, jsonschema, nbformat; print(sys.modules['rfc3987_syntax'])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "None"
