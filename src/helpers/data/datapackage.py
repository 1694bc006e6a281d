"""The provenance record of ``data/raw``: one Frictionless resource per raw file, with its hash.

``data/raw/datapackage.json`` is the only place that says where a raw file came from, who
published it, under which licence and which bytes it had. Raw files are never edited; new
ones arrive only through :func:`add_resource` (used by ``python -m helpers data import``).
"""
from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path

from helpers.data.hashing import file_sha256

PACKAGE_FILE = "datapackage.json"
_RESTORE_PACKAGE = "datapackage.json aus git wiederherstellen (`git checkout -- data/raw/datapackage.json`)"


class PackageError(ValueError):
    """datapackage.json cannot be read or lacks its resource list; the message names the fix."""


def file_hash(path: Path) -> str:
    """``sha256:<hex>`` of the file's bytes (the form stored in the resource's ``hash``)."""
    return "sha256:" + file_sha256(path)


def read_package(raw_dir: Path) -> dict:
    """The descriptor, with a list of resources that each name a ``path``; PackageError otherwise."""
    path = raw_dir / PACKAGE_FILE
    if problem := irregular(path):
        raise PackageError(f"{PACKAGE_FILE} {problem} → {_RESTORE_PACKAGE}")
    try:
        with open(path, encoding="utf-8") as handle:
            package = json.load(handle)
    except FileNotFoundError:
        raise PackageError(f"{PACKAGE_FILE} fehlt in {raw_dir} → {_RESTORE_PACKAGE}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"{PACKAGE_FILE} ist kein lesbares JSON ({exc}) → {_RESTORE_PACKAGE}") from None
    resources = package.get("resources") if isinstance(package, dict) else None
    if not isinstance(resources, list) or not all(isinstance(r, dict) and isinstance(r.get("path"), str)
                                                  for r in resources):
        raise PackageError(f"{PACKAGE_FILE} hat keine Liste 'resources' mit je einem 'path' → {_RESTORE_PACKAGE}")
    return package


def irregular(path: Path) -> str | None:
    """Why ``path`` is no plain file a raw record may point to (symlink, folder, device), or None."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        return "ist eine symbolische Verknüpfung, keine Datei"
    if stat.S_ISDIR(mode):
        return "ist ein Ordner, keine Datei"
    if not stat.S_ISREG(mode):
        return "ist keine normale Datei (Gerät, Pipe o. Ä.)"
    return None


def raw_files(raw_dir: Path) -> list[Path]:
    """Every file under ``raw_dir`` except the package descriptor, relative, sorted."""
    return sorted(
        p.relative_to(raw_dir)
        for p in raw_dir.rglob("*")
        if p.is_file() and p.name != PACKAGE_FILE and not p.name.startswith(".")
    )


def provenance_problems(raw_dir: Path) -> list[tuple[str, str, str]]:
    """(file, problem, fix) for files without a record, records without a plain file, and hash mismatches.

    German, like every line of the validation report. Raises PackageError when the descriptor is unreadable.
    """
    package = read_package(raw_dir)
    by_path = {r["path"]: r for r in package["resources"]}
    problems = []
    on_disk = {p.as_posix() for p in raw_files(raw_dir)}
    for path in sorted(on_disk - by_path.keys()):
        problems.append((path, "Datei ohne Eintrag in datapackage.json",
                         "mit `python -m helpers data import` übernehmen (Dateien nie von Hand kopieren)"))
    restore = "Rohdaten sind unveränderlich: aus git wiederherstellen (`git checkout -- data/raw/{}`)"
    for path in sorted(by_path):
        problem = irregular(raw_dir / path)
        if problem:
            problems.append((path, problem, restore.format(path)))
        elif path not in on_disk:
            problems.append((path, "Eintrag in datapackage.json ohne Datei",
                             "Datei aus git wiederherstellen oder den Eintrag entfernen"))
        elif by_path[path].get("hash") != file_hash(raw_dir / path):
            problems.append((path, "Hash weicht von datapackage.json ab: die Rohdatei wurde verändert",
                             restore.format(path)))
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
