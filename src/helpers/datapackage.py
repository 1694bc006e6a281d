"""The provenance record of ``data/raw``: one Frictionless resource per raw file, with its hash.

``data/raw/datapackage.json`` is the only place that says where a raw file came from, who
published it, under which licence and which bytes it had. Raw files are never edited; new
ones arrive only through :func:`add_resource` (used by ``python -m helpers data import``).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

PACKAGE_FILE = "datapackage.json"


def file_hash(path: Path) -> str:
    """``sha256:<hex>`` of the file's bytes (the form stored in the resource's ``hash``)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def read_package(raw_dir: Path) -> dict:
    with open(raw_dir / PACKAGE_FILE, encoding="utf-8") as handle:
        return json.load(handle)


def raw_files(raw_dir: Path) -> list[Path]:
    """Every file under ``raw_dir`` except the package descriptor, relative, sorted."""
    return sorted(
        p.relative_to(raw_dir)
        for p in raw_dir.rglob("*")
        if p.is_file() and p.name != PACKAGE_FILE and not p.name.startswith(".")
    )


def provenance_problems(raw_dir: Path) -> list[tuple[str, str, str]]:
    """(file, problem, fix) for files without a record, records without a file, and hash mismatches."""
    package = read_package(raw_dir)
    by_path = {r["path"]: r for r in package.get("resources", [])}
    problems = []
    on_disk = {p.as_posix() for p in raw_files(raw_dir)}
    for path in sorted(on_disk - by_path.keys()):
        problems.append((path, "no resource record in datapackage.json",
                         "add it with `python -m helpers data import` (never copy files by hand)"))
    for path in sorted(by_path.keys() - on_disk):
        problems.append((path, "resource record without a file", "restore the file from git or remove the record"))
    for path in sorted(on_disk & by_path.keys()):
        if by_path[path].get("hash") != file_hash(raw_dir / path):
            problems.append((path, "hash differs from datapackage.json: the raw file was changed",
                             "raw files are immutable: restore it from git (`git checkout -- data/raw/" + path + "`)"))
    return problems


def write_package(raw_dir: Path, package: dict) -> None:
    """Replace datapackage.json atomically (write a temp file, then rename)."""
    fd, tmp = tempfile.mkstemp(prefix=".datapackage-", suffix=".json", dir=raw_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(package, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    os.replace(tmp, raw_dir / PACKAGE_FILE)


def record_curation(raw_dir: Path, relative: str) -> None:
    """Record the new bytes and hash of a curated raw file after a deliberate, documented fix.

    Curation fixes (e.g. a status corrected in ``snapshot/values.csv``) are written down in the
    snapshot's README changelog; this keeps the provenance record consistent with them.
    """
    package = read_package(raw_dir)
    path = raw_dir / relative
    [resource] = [r for r in package["resources"] if r["path"] == relative]
    resource["hash"] = file_hash(path)
    if "bytes" in resource:
        resource["bytes"] = path.stat().st_size
    write_package(raw_dir, package)
