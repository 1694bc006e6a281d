"""What the `data update` tests share: the real exports they use, a revised copy of one, and a CLI runner."""
import os
import subprocess
import sys
from pathlib import Path

from helpers.data import datapackage
from tests.material import FOUND, require

LDB_12411_15I = FOUND / "Inab1993__Regressionsmodelle_fuer_EGH-Leistungen__12411-15i.csv"
LDB_22811_01I = FOUND / "Inab1993__Regressionsmodelle_fuer_EGH-Leistungen__22811-01i.csv"


def revised_12411_15i(folder: Path, weeze: int = 12801) -> Path:
    """The real 12411-15i export as IT.NRW would republish it after revising Weeze (and so the Kreis total)."""
    raw = require(LDB_12411_15I).read_bytes()
    delta = weeze - 12766
    raw = raw.replace(b"05154064;      Weeze;12766;", f"05154064;      Weeze;{weeze};".encode())
    raw = raw.replace(b"05154;    Kleve, Kreis;322018;", f"05154;    Kleve, Kreis;{322018 + delta};".encode())
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "12411-15i_revidiert.csv"
    target.write_bytes(raw)
    return target


def without_exports(raw_dir: Path, *tables: str) -> None:
    """data/raw as before `data update` brought in ``tables`` (every export when none is named)."""
    package = datapackage.read_package(raw_dir)
    for resource in [r for r in package["resources"] if r.get("x_role") == "export"
                     and (not tables or r.get("x_table") in tables)]:
        (raw_dir / resource["path"]).unlink()
        package["resources"].remove(resource)
    datapackage.write_package(raw_dir, package)


def cli(*args, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers", "data", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})
