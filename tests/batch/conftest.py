"""Fixtures of the batch tests: folders nobody may write into, small file systems (real mounts)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def mount_tmpfs():
    """``mount_tmpfs(path, options)``: a real tmpfs at ``path`` (root only; skips otherwise), unmounted
    at the end. A read-only or size-limited tmpfs holds for root too, unlike chmod."""
    mounted: list[Path] = []

    def mount(path: Path, options: str) -> Path:
        if os.geteuid() != 0:
            pytest.skip("needs root for a tmpfs mount (read-only or size-limited file system)")
        path.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True,
                              text=True)
        if done.returncode != 0:
            pytest.skip(f"tmpfs mount not possible here: {done.stderr.strip()}")
        mounted.append(path)
        return path

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], check=False)
