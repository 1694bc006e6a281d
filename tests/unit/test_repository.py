"""The README's promises are what CI runs, and nothing generated is committed."""
import re
import subprocess

import pytest

from helpers.paths import ROOT
from tests.material import SHARED, require


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Die zwei Befehle\s+```bash\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make briefings", "make test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "set -euo pipefail" in ci
    assert ci.strip().splitlines()[-1].strip() == "make test"


def test_make_targets_exist():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ["setup", "briefings", "test", "lab", "bench", "clean", "data", "update", "notebooks"]:
        assert re.search(rf"^{target}:", makefile, re.M), target


def _tracked() -> list[str]:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=True)
    return listed.stdout.split()


def test_no_generated_files_committed():
    generated = re.compile(r"(^|/)(\.venv|reports|test-output|__pycache__|\.ipynb_checkpoints|\.pytest_cache)/")
    offenders = [f for f in _tracked() if generated.search(f)]
    offenders += [f for f in _tracked() if f.startswith("data/processed/")
                  and f not in ("data/processed/README.md", "data/processed/.gitkeep")]
    assert offenders == []


def test_no_test_material_copied_from_shared():
    """../shared/geo, genesis-samples and genesis-found are test material: read, never commit — except an
    official export that entered data/raw through the project's own import path, with its provenance."""
    import hashlib
    import json

    shared = require(SHARED)
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    material = {digest(p) for d in ("geo", "genesis-samples", "genesis-found") for p in (shared / d).rglob("*")
                if p.is_file() and p.stat().st_size > 2000}
    package = json.loads((ROOT / "data" / "raw" / "datapackage.json").read_text(encoding="utf-8"))
    imported = {f"data/raw/{r['path']}" for r in package["resources"]
                if r.get("x_role") == "export" and r.get("x_retrieved_via", "").startswith("python -m helpers data ")}
    copied = [f for f in _tracked() if (ROOT / f).is_file() and (ROOT / f).stat().st_size > 2000
              and digest(ROOT / f) in material and f not in imported]
    assert copied == []
