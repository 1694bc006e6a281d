"""ruff, as pyproject.toml configures it ([tool.ruff]), finds nothing: make test and so CI run it.

Which files it reads is pyproject's ``include`` (src/, tests/ and benchmarks/), so `ruff check` by hand and
this test agree.
"""
import subprocess
import sys

from helpers.paths import ROOT


def _ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing():
    done = _ruff()
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


def test_ruff_reads_the_tests_and_would_report_a_finding(tmp_path):
    """The check can fail: it lints src/ and tests/, and it reports an unused import and an over-long line."""
    listed = _ruff("--show-files").stdout
    assert all(f in listed for f in ("src/helpers/indicators/compute.py", "tests/unit/test_lint.py",
                                     "benchmarks/compare_runs.py"))
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nx = '" + "a" * 130 + "'\n", encoding="utf-8")
    done = _ruff("--config", str(ROOT / "pyproject.toml"), str(bad))
    assert done.returncode == 1 and "F401" in done.stdout and "E501" in done.stdout, done.stdout + done.stderr
