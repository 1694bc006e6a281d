"""What has changed since the latest run: the input hash of each briefing (notebook, parameters, what
it can show of the data of its Kreis, the goals it shows, helpers code, map boundaries, Python and library
versions) and the reuse of unchanged briefings.

A notebook whose inputs hash as in the latest run is not executed again; its files are hard-linked
over: a changed value in one Kreis re-makes only that Kreis's briefings (:func:`data_hashes`).
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from helpers import kommunen as kommunen_module
from helpers.data.hashing import file_sha256, tree_sha256
from helpers.indicators.goals import Goal, fingerprint, of_region
from helpers.paths import PACKAGE_DIR, PROCESSED_DIR, RAW_DIR
from helpers.run.plan import Entry, Job

# What a briefing's bytes are made with besides helpers: executing, exporting, computing, formatting, drawing.
PACKAGES = ("papermill", "nbclient", "nbconvert", "nbformat", "ipykernel", "jupyter_client", "plotly", "pandas",
            "numpy", "pyarrow", "scikit-learn", "geopandas", "shapely", "babel", "jinja2", "mistune", "nh3")
# Raise by one to make every briefing anew once, for a change that no hash here sees.
REUSE_EPOCH = 1
CODE_SUFFIXES = {".py", ".yaml", ".csv", ".j2", ".css", ".json"}
ROW_TABLES = ("observations", "facts", "conflicts", "municipalities")  # processed tables with an ``ags`` per row


def code_fingerprint() -> str:
    """Content hash of the helpers package: code, catalogue, messages, templates."""
    return tree_sha256(PACKAGE_DIR, (p for p in PACKAGE_DIR.rglob("*")
                                     if p.is_file() and p.suffix in CODE_SUFFIXES and "__pycache__" not in p.parts))


# Source columns that a briefing does not print: the id is the data's handle for a retrieval, and a new
# retrieval of the same table (``data update`` names it ``<DB>_<TABLE>_<YYYYMMDD>``) changes only these two.
NOT_CITED = ("source_id", "retrieved_via")


def data_hashes(kreise: set[str], raw_dir: Path = RAW_DIR) -> dict[str, str]:
    """Per Kreis AGS, a hash of what its briefings can show of the data: the processed rows that
    :func:`helpers.indicators.queries.regional` lets through (its regions, NRW, Germany), each with the
    citation of its source as printed (publisher, title, table, Stand, licence, address — not the
    source id or the retrieval; see :data:`NOT_CITED`), the sources no row cites (code cites them by
    id), and its part of the region directory. A changed value of one Gemeinde changes only its
    Kreis's hash, a changed NRW value all of them; a new retrieval of a statewide table with the same
    figures changes none."""
    import numpy as np
    import pandas as pd

    from helpers.data import store
    from helpers.indicators.queries import regional

    processed = raw_dir.parent / PROCESSED_DIR.name  # data/raw → data/processed (built first if stale)
    frames = {name: store.load(name, processed, raw_dir) for name in ROW_TABLES}
    sources = store.load("sources", processed, raw_dir)
    cited_as = pd.util.hash_pandas_object(sources.drop(columns=list(NOT_CITED)), index=False)
    citation = dict(zip(sources["source_id"], cited_as, strict=True))
    rows = {name: pd.util.hash_pandas_object(frame.assign(source_id=frame["source_id"].map(citation)), index=False)
            for name, frame in frames.items()}
    cited_anywhere = set().union(*(frame["source_id"] for frame in frames.values()))
    by_code = np.sort(pd.util.hash_pandas_object(sources[~sources["source_id"].isin(cited_anywhere)], index=False)
                      .to_numpy()).tobytes()
    directory = pd.DataFrame({"ags": [r.ags for r in kommunen_module.all_regions()],
                              "region": [repr(r) for r in kommunen_module.all_regions()]})
    hashes = {}
    for kreis_ags in sorted(kreise):
        digest = hashlib.sha256()
        for name, frame in frames.items():
            digest.update(f"{name}\0{dict(frame.dtypes)}\0".encode())
            digest.update(np.sort(rows[name].loc[regional(frame, kreis_ags).index].to_numpy()).tobytes())
        digest.update(by_code)
        digest.update("\n".join(regional(directory, kreis_ags)["region"]).encode())
        hashes[kreis_ags] = digest.hexdigest()
    return hashes


GOALS_OVERVIEW = "kreis_uebersicht.ipynb"  # shows every goal of its Kreis; a job with ``kommune`` those of its Kommune


def goals_hash(job: Job, goals: tuple[Goal, ...]) -> str:
    """The goals a briefing shows (:mod:`helpers.briefings.goals`), as a hash: a briefing with a ``kommune``
    parameter those of its Kommune, the Kreis overview those of its Kreis and Kommunen, others none; ``""``
    when it shows none, so a changed goal re-makes exactly the briefings that show it."""
    parameters = job.parameters or {}
    ags = parameters.get("kommune") or (parameters.get("kreis") if job.notebook == GOALS_OVERVIEW else None)
    return fingerprint(of_region(goals, str(ags))) if ags else ""


def input_hash(job: Job, notebooks_dir: Path, data_hash: str, code_hash: str, boundaries_hash: str = "",
               goals: str = "") -> str:
    """Everything a briefing is made from: notebook, parameters, the data of its Kreis
    (:func:`data_hashes`), code, map boundaries, its goals (:func:`goals_hash`), Python and library
    versions, :data:`REUSE_EPOCH`."""
    digest = hashlib.sha256(file_sha256(notebooks_dir / job.notebook).encode())
    digest.update(json.dumps(job.parameters, sort_keys=True).encode())
    digest.update(f"{data_hash}\0{code_hash}\0{boundaries_hash}\0{REUSE_EPOCH}\0".encode())
    if goals:  # without goals the hash stays as before, so earlier runs' briefings are still reused
        digest.update(f"goals\0{goals}\0".encode())
    digest.update(json.dumps(package_versions(), sort_keys=True).encode())
    return digest.hexdigest()


def code_version() -> str | None:
    """``git describe`` of the checkout, when it is one."""
    try:
        done = subprocess.run(["git", "describe", "--always", "--dirty", "--tags"], cwd=PACKAGE_DIR,
                              capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    """Python's version and those of :data:`PACKAGES` (once per process: a run does not upgrade itself)."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "missing"
    return versions


def link(source: Path, target: Path) -> None:
    """Hard link (instant, no extra space); copy when the file system refuses."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def reuse_unchanged(jobs: list[Job], digests: dict[str, str], previous_dir: Path | None,
                    previous: dict[str, Entry], target: Path, force: bool) -> tuple[list[Entry], list[Job]]:
    """Link the files of jobs whose input hash matches the latest good run; the rest is to do."""
    reused, todo = [], []
    for job in jobs:
        old = previous.get(job.output)
        files = [f"{job.output}.ipynb", f"{job.output}.html"]
        if force or not old or old.input_hash != digests[job.output] \
                or not all((previous_dir / f).exists() for f in files):
            todo.append(job)
            continue
        for name in files:
            link(previous_dir / name, target / name)
        reused.append(old.skipped(previous_dir))
    return reused, todo


def carry_over(jobs: list[Job], digests_for, previous_dir: Path | None, previous: dict[str, Entry],
               target: Path, notebooks_dir: Path) -> list[Entry]:
    """The latest run's briefings that this (partial) run does not make, linked over unchanged,
    so ``latest`` stays complete; ``stale`` when their data or code has changed since."""
    planned = {job.output for job in jobs}
    carried = []
    for name, old in previous.items():
        files = [f"{name}.ipynb", f"{name}.html"]
        if name in planned or not (notebooks_dir / old.notebook).exists() \
                or not all((previous_dir / f).exists() for f in files):
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)  # en/ when only German is made now
        for file in files:
            link(previous_dir / file, target / file)
        digest = digests_for(Job(old.notebook, name, old.parameters or {}))
        carried.append(old.skipped(previous_dir, carried_over=True, stale=digest != old.input_hash))
    return carried
