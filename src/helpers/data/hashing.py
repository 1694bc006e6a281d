"""SHA-256 of a file and of a set of files: one definition for provenance hashes and cache keys."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

_BLOCK = 1 << 20


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of the file's bytes, read in blocks (raw exports and boundaries can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_sha256(root: Path, files: Iterable[Path]) -> str:
    """Hex SHA-256 over the names (relative to ``root``) and contents of ``files``, in sorted order:
    renaming, adding, removing or editing any of them changes it."""
    digest = hashlib.sha256()
    for rel in sorted(Path(f).relative_to(root) if Path(f).is_absolute() else Path(f) for f in files):
        digest.update(rel.as_posix().encode() + b"\0" + file_sha256(root / rel).encode() + b"\n")
    return digest.hexdigest()
