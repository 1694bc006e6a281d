"""`data build` on the committed raw data, into a temporary processed folder."""
import json
import subprocess
import sys

import pandas as pd
import pytest

from helpers.data import build, store
from helpers.paths import RAW_DIR, ROOT


@pytest.fixture
def processed(built_once):
    """The session's build of the committed raw data (``built_once``, a real ``build.build``), read only here."""
    return built_once


def test_build_writes_every_table_and_manifest(processed):
    for name in build.TABLES:
        assert (processed / f"{name}.parquet").is_file()
    manifest = store.manifest(processed)
    assert manifest["fingerprint"] == build.fingerprint(RAW_DIR)
    # snapshot 4536 + 17601 from the statewide tables `data update` brought
    assert manifest["rows"]["observations"] == 70658
    # + 15408 school statistics 21111-9k21 + 4270 Sozialindex counts (MSB list) + 6006 migration 2015 (12711-01-03-5,
    # both sexes together) + 10849 from population, age groups, average age, naturalisations, commuters and the
    # census 2011 by age (12411-01-01-5 2145, 12411-02-03-5 3003, 12411-02-03-4 220, 12411-07-01-5 429,
    # 12511-01-01-4 336, 13111-08-02-5 1284, 12111-02-01-5 3432) + 11988 from 12521-03i (AZR by nationality of the
    # 53 Kreise and kreisfreie Städte and NRW, and their 54 totals summed from the continent rows)


def test_observations_follow_the_contract(processed):
    obs = pd.read_parquet(processed / "observations.parquet")
    assert list(obs.columns[:10]) == ["ags", "date", "variable", "category", "value", "unit", "source_id", "status",
                                      "flag", "note"]
    assert obs["date"].dtype == "datetime64[ns]" and obs["value"].dtype == "float64"
    assert obs["ags"].map(type).eq(str).all() and (obs["category"] != "").all()
    kleve = obs[(obs.ags == "05154036") & (obs.variable == "population") & (obs.date == "2024-12-31")
                & (obs.category == "total") & obs.preferred]
    assert kleve["value"].tolist() == [53028.0] and kleve["base"].tolist() == ["update_2022_base"]


def test_missing_values_stay_missing_with_a_flag(processed):
    obs = pd.read_parquet(processed / "observations.parquet")
    secret = obs[(obs.ags == "05154040") & (obs.variable == "sgb2_recipients")]
    assert secret["value"].isna().all() and (secret["flag"] == ".").all()


def test_load_builds_when_missing_and_reuses_a_fresh_build(tmp_path):
    out = tmp_path / "processed"
    first = store.load("municipalities", processed_dir=out, raw_dir=RAW_DIR)
    built_at = store.manifest(out)["built_at"]
    manifest_bytes = (out / "manifest.json").read_bytes()
    assert len(first) == 16 and first["ags"].str.len().eq(8).all()
    store.load("observations", processed_dir=out, raw_dir=RAW_DIR)
    assert (out / "manifest.json").read_bytes() == manifest_bytes and store.manifest(out)["built_at"] == built_at


def test_load_rejects_unknown_tables():
    with pytest.raises(ValueError, match="Gültig sind: observations"):
        store.load("indicators")


NATIVE_THREADS = """
import json, os, sys
def native():
    return sorted(open(f"/proc/self/task/{t}/comm").read().strip() for t in os.listdir("/proc/self/task"))
from helpers import cli
import pyarrow.parquet  # noqa: F401 - its own threads (jemalloc) belong to the baseline
before = native()
code = cli.main(["data", "build", "--out-dir", sys.argv[1]])
print(json.dumps({"code": code, "before": before, "after": native()}))
"""


def test_cli_build_leaves_no_arrow_thread_running_at_exit(tmp_path):
    """An Arrow I/O thread alive at interpreter teardown aborts the process (exit 134) after a correct build."""
    result = subprocess.run([sys.executable, "-c", NATIVE_THREADS, str(tmp_path / "processed")], capture_output=True,
                            text=True, timeout=300)
    census = json.loads(result.stdout.splitlines()[-1])
    assert census["code"] == 0 and census["after"] == census["before"], census


@pytest.mark.slow  # a whole data build or import over the statewide tables
def test_repeated_concurrent_builds_all_exit_cleanly(tmp_path):
    """A few real builds, two at once (benchmarks/stress_data_build.py runs 40)."""
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "stress_data_build.py"), "4", "2"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and "exit codes {0: 4}; unclean 0" in result.stdout, result.stdout[-3000:]
