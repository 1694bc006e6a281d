"""Writable copies of the committed data/raw and a processed build of them, per test."""
import hashlib
import shutil
import stat
from pathlib import Path

import pytest

from helpers.data import build, datapackage
from helpers.paths import RAW_DIR
from tests.batch.conftest import mount_tmpfs  # noqa: F401 - a real size-limited file system, for the full-disk trials


@pytest.fixture(scope="session")
def built_once(tmp_path_factory) -> Path:
    """One build of the committed raw data, copied by tests that need a processed folder."""
    out = tmp_path_factory.mktemp("built") / "processed"
    build.build(RAW_DIR, out)
    (out / "README.md").write_text("kept across builds\n")
    return out


@pytest.fixture
def raw_copy(tmp_path) -> Path:
    target = tmp_path / "data" / "raw"
    shutil.copytree(RAW_DIR, target)
    for path in target.rglob("*"):
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return target


@pytest.fixture
def processed_copy(tmp_path, built_once) -> Path:
    target = tmp_path / "data" / "processed"
    shutil.copytree(built_once, target, symlinks=True)  # `current` and the table links stay links
    return target


def tree_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file below folder: the 'byte-identical' yardstick."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def rehash(raw_dir: Path, relative: str) -> None:
    """Record a deliberately edited raw file's new hash, so content checks (not the hash check) must catch it."""
    datapackage.record_curation(raw_dir, relative)


@pytest.fixture
def import_base(tmp_path, monkeypatch) -> str:
    """A bases.csv rule for the test source ITNRW_12411_15I_IMPORT, as step 3 of the README's import recipe asks."""
    catalogue = tmp_path / "catalogue"
    shutil.copytree(build.CATALOGUE_DIR, catalogue)
    rules = (catalogue / "bases.csv").read_text(encoding="utf-8")
    rule = "ITNRW_12411_15I_IMPORT,*,,update_2022_base,test import of 12411-15i\n"
    (catalogue / "bases.csv").write_text(rules + rule, encoding="utf-8")
    monkeypatch.setattr(build, "CATALOGUE_DIR", catalogue)
    return "ITNRW_12411_15I_IMPORT"
