"""store.load checks and reads a build once, and a change of the raw data still reaches the next load."""
import os
import time
from pathlib import Path

import pandas as pd

from helpers import indicators
from helpers.data import build, store
from tests.data.conftest import rehash

FLUAG_KLEVE = "05154036,Kleve,2019-07-31,fluag_quota_fulfilment_pct,total,123,"  # a row of values.csv


def _age(*folders: Path) -> None:
    """Date every file back an hour, as a finished build's files are (a file changed within the
    last seconds is checked again on every load, see store._current_build)."""
    past = time.time() - 3600
    for folder in folders:
        for path in [folder, *folder.rglob("*")]:
            os.utime(path, (past, past))


def test_load_checks_and_reads_once_per_build(raw_copy, processed_copy, monkeypatch):
    _age(raw_copy, processed_copy)
    calls = []
    hash_raw, read = build.fingerprint, pd.read_parquet
    monkeypatch.setattr(build, "fingerprint", lambda raw_dir: calls.append("hash") or hash_raw(raw_dir))
    monkeypatch.setattr(pd, "read_parquet", lambda path, **kw: calls.append(Path(path).name) or read(path, **kw))
    first = store.load("sources", processed_dir=processed_copy, raw_dir=raw_copy)
    assert all(store.load("sources", processed_dir=processed_copy, raw_dir=raw_copy) is first for _ in range(5))
    store.load("facts", processed_dir=processed_copy, raw_dir=raw_copy)
    assert calls == ["hash", "sources.parquet", "facts.parquet"]


def test_a_changed_raw_value_reaches_the_next_load_and_its_figures(raw_copy, processed_copy):
    _age(raw_copy, processed_copy)
    old = store.load("observations", processed_dir=processed_copy, raw_dir=raw_copy)
    assert indicators.figure(old, "fluag_quota_fulfilment", "05154036").value == 123
    assert store.load("observations", processed_dir=processed_copy, raw_dir=raw_copy) is old  # remembered as fresh
    values = raw_copy / "snapshot" / "values.csv"
    text = values.read_text(encoding="utf-8")
    assert text.count(FLUAG_KLEVE) == 1
    values.write_text(text.replace(FLUAG_KLEVE, FLUAG_KLEVE.replace(",123,", ",124,")), encoding="utf-8")  # same size
    rehash(raw_copy, "snapshot/values.csv")
    new = store.load("observations", processed_dir=processed_copy, raw_dir=raw_copy)
    assert new is not old and store.manifest(processed_copy)["fingerprint"] == build.fingerprint(raw_copy)
    assert indicators.figure(new, "fluag_quota_fulfilment", "05154036").value == 124
    assert indicators.figure(old, "fluag_quota_fulfilment", "05154036").value == 123  # the old frame keeps its own


def test_a_build_by_another_process_is_read_again(raw_copy, processed_copy):
    """`data build` elsewhere swaps in a new folder: the next load reads it, not the frame in memory."""
    _age(raw_copy, processed_copy)
    old = store.load("municipalities", processed_dir=processed_copy, raw_dir=raw_copy)
    build.build(raw_copy, processed_copy)
    assert store.load("municipalities", processed_dir=processed_copy, raw_dir=raw_copy) is not old
