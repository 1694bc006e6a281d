"""`data import`, `data inspect` and `data fetch` against real exports in ../shared (never copied into the repo).

The command line runs in this process (``run_cli``), except `data fetch` (pystatis reads HOME) and a read that
could hang (a process with a timeout)."""
import os
import subprocess
import sys

import pandas as pd
import pytest

from helpers import kommunen
from helpers.data import build, datapackage
from helpers.data.importing import ImportRefused, Provenance, import_file
from tests.material import FOUND, SAMPLES, require

from .conftest import tree_hashes
from .update_support import without_exports


@pytest.fixture
def raw_copy(raw_copy):
    """data/raw as before the user's first import of 12411-15i (the README recipe these tests follow)."""
    without_exports(raw_copy, "12411-15i")
    return raw_copy

LDB_12411_15I = FOUND / "Inab1993__Regressionsmodelle_fuer_EGH-Leistungen__12411-15i.csv"


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "helpers", "data", *map(str, args)], capture_output=True, text=True,
                          timeout=120, env=env)


@pytest.mark.slow  # a whole data build or import over the statewide tables
def test_import_records_provenance_and_build_uses_it(raw_copy, tmp_path, import_base):
    target = import_file(require(LDB_12411_15I), Provenance("ITNRW_12411_15I_IMPORT", title="Bevölkerung – Gemeinden"),
                         raw_copy)
    assert target.as_posix().startswith("itnrw/")
    assert datapackage.provenance_problems(raw_copy) == []
    [resource] = [r for r in datapackage.read_package(raw_copy)["resources"] if r["path"] == target.as_posix()]
    assert resource["x_table"] == "12411-15i" and resource["licenses"][0]["name"] == "dl-de/by-2-0"
    out = build.build(raw_copy, tmp_path / "processed")
    obs = pd.read_parquet(out / "observations.parquet")
    imported = obs[obs["source_id"] == "ITNRW_12411_15I_IMPORT"]
    bedburg = imported[(imported["ags"] == "05154004") & (imported["variable"] == "population")]
    assert bedburg["value"].tolist() == [13599.0] and bedburg["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-12-31"]
    assert set(imported["ags"]) <= {r for r in obs["ags"]}
    assert len(imported) == len(kommunen.all_regions()) * 3  # every region of the NRW directory
    sources = pd.read_parquet(out / "sources.parquet").set_index("source_id")
    assert sources.loc["ITNRW_12411_15I_IMPORT", "family"] == "official"


@pytest.mark.parametrize("path, message", [
    (SAMPLES / "genesis_cubefile_47414-BJ002_restatis-fixture.csv", "Datenwürfel"),
    (FOUND / "homlador__schulsozialindex-karte__sozialindex_schulliste_schuljahr_2025-26.pdf", "PDF"),
    (FOUND / "Inab1993__Regressionsmodelle_fuer_EGH-Leistungen__13111-54i.csv",
     "ohne Regionalschlüssel|mit Regionalschlüssel"),
])
def test_import_refuses_unreadable_or_invalid_files_and_changes_nothing(raw_copy, path, message):
    before = tree_hashes(raw_copy)
    with pytest.raises(ImportRefused, match=message):
        import_file(require(path), Provenance("NEW_ID"), raw_copy)
    assert tree_hashes(raw_copy) == before


def test_import_refuses_duplicates_and_known_source_ids(raw_copy, import_base):
    import_file(require(LDB_12411_15I), Provenance("ITNRW_12411_15I_IMPORT"), raw_copy)
    before = tree_hashes(raw_copy)
    with pytest.raises(ImportRefused, match="bereits importiert"):
        import_file(LDB_12411_15I, Provenance("OTHER_ID"), raw_copy)
    with pytest.raises(ImportRefused, match="snapshot/sources.csv"):
        import_file(require(FOUND / "datenguide__genesapi-data__12411-01-01-4.csv"), Provenance("ITNRW_12411_15I_2024"),
                    raw_copy)
    assert tree_hashes(raw_copy) == before


@pytest.mark.slow  # a whole data build or import over the statewide tables
def test_import_refuses_a_file_that_would_break_validation(raw_copy):
    """Units the checks do not know (here 'Anzahl' without a table map: 12411-06-01-5 is not declared) stop
    the import, with one line per distinct problem that names rows, the table and the catalogue files to edit
    (not one identical line per value)."""
    before = tree_hashes(raw_copy)
    with pytest.raises(ImportRefused, match="unit_known") as refused:
        import_file(require(FOUND / "datenguide__genesapi-data__12411-06-01-5_00.csv"),
                    Provenance("REGIO_12411_06_01_5_NEW"), raw_copy)
    assert tree_hashes(raw_copy) == before
    lines = str(refused.value).splitlines()[1:]
    [unit] = [line for line in lines if "[unit_known]" in line]
    assert len(lines) == len(set(lines)) == 4  # the unit and three unknown variables, once each
    assert "Zeile 10," in unit and "unbekannte Einheit 'Anzahl' (Tabelle 12411-06-01-5) (1287 Werte)" in unit
    assert "src/helpers/catalogue/checks.yaml (Liste units)" in unit and "src/helpers/catalogue/tables.yaml" in unit


def test_cli_inspect_prints_tidy_csv(run_cli):
    result = run_cli("data", "inspect", require(LDB_12411_15I))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "ags,date,variable,category,value,unit,flag"
    assert "05154004,2024-12-31,population,total,13599.0,persons," in lines
    assert "genesis_classic" in result.stderr


def test_cli_inspect_reports_malformed_rows(run_cli):
    result = run_cli("data", "inspect", require(FOUND / "CorrelAid__pystatis__52411-02-01-4_flat.csv"))
    assert result.returncode == 1 and "kein Zeitpunkt" in result.stderr


@pytest.mark.parametrize("credentials", [False, True])
def test_fetch_offline_fails_clearly_and_changes_nothing(raw_copy, tmp_path, credentials):
    env = {**os.environ, "HOME": str(tmp_path / "home")}  # a fresh pystatis config, no stored credentials
    if credentials:
        env.update({f"PYSTATIS_{db}_API_{f}": "s3cret-cred"
                    for db in ("GENESIS", "REGIO", "ZENSUS") for f in ("USERNAME", "PASSWORD")})
    before = tree_hashes(raw_copy)
    result = _cli("fetch", "12411-01-01-4", "--source-id", "FETCH_TEST", "--raw-dir", raw_copy, env=env)
    assert result.returncode == 1 and "Nicht abgerufen" in result.stderr and "nichts geändert" in result.stderr
    assert tree_hashes(raw_copy) == before
    assert "s3cret-cred" not in (tmp_path / "home" / ".pystatis" / "config.ini").read_text()  # never written


def test_readme_recipe_with_a_new_source_id_is_refused_until_its_base_is_known(run_cli, raw_copy):
    """The recipe without step 3 (bases.csv) used to pass import and build, then fail in all 16 profiles."""
    before = tree_hashes(raw_copy)
    result = run_cli("data", "import", require(LDB_12411_15I), "--source-id", "ITNRW_12411_15I_2025",
                     "--publisher", "IT.NRW",
                  "--title", "Bevölkerung – Gemeinden", "--table", "12411-15i", "--raw-dir", raw_copy)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "base_mapped" in result.stderr and "ITNRW_12411_15I_2025" in result.stderr and "bases.csv" in result.stderr
    assert tree_hashes(raw_copy) == before


def test_a_base_without_reader_text_is_refused_at_import(raw_copy, import_base):
    rules = build.CATALOGUE_DIR / "bases.csv"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("update_2022_base,test import", "census_2033,test import"), encoding="utf-8")
    before = tree_hashes(raw_copy)
    with pytest.raises(ImportRefused, match="base_census_2033") as refused:
        import_file(require(LDB_12411_15I), Provenance(import_base), raw_copy)
    assert "reader_text" in str(refused.value) and "messages.yaml" in str(refused.value)
    assert tree_hashes(raw_copy) == before


@pytest.mark.parametrize("option, value, reason", [
    ("--source-id", "", "ungültige Quellen-ID"),
    ("--source-id", "MY SOURCE", "ungültige Quellen-ID"),
    ("--source-id", 'ITNRW_"X', "ungültige Quellen-ID"),
    ("--reference-date", "2024-99-99", "ungültiges Datum"),
    ("--reference-date", "20241231", "ungültiges Datum"),
    ("--url", "javascript:alert(1)", "ungültige Adresse"),
])
def test_bad_provenance_options_exit_2_before_anything_is_read(run_cli, raw_copy, option, value, reason):
    before = tree_hashes(raw_copy)
    args = {"--source-id": "ITNRW_NEW_2025", option: value}
    result = run_cli("data", "import", require(LDB_12411_15I), *[x for pair in args.items() for x in pair],
                     "--raw-dir", raw_copy)
    assert result.returncode == 2 and reason in result.stderr and "Traceback" not in result.stderr
    assert tree_hashes(raw_copy) == before


def test_an_unclosed_quote_over_128_kb_gives_a_message(run_cli, raw_copy, tmp_path):
    export = tmp_path / "12411-15i_broken.csv"
    export.write_bytes(require(LDB_12411_15I).read_bytes() + b'31.12.2024;"05154004;' + b"x" * 140_000 + b"\n")
    before = tree_hashes(raw_copy)
    for command in (["inspect", export], ["import", export, "--source-id", "ITNRW_BROKEN_2025", "--raw-dir", raw_copy]):
        result = run_cli("data", *command)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
        assert "Anführungszeichen" in result.stderr and "_csv.Error" not in result.stderr
    assert tree_hashes(raw_copy) == before


def test_import_into_raw_data_with_a_device_link_is_refused_quickly(raw_copy):
    """The trial copy of data/raw once followed a symlink to /dev/zero (endless); now the broken state is named."""
    (raw_copy / "snapshot" / "values.csv").unlink()
    os.symlink("/dev/zero", raw_copy / "snapshot" / "values.csv")
    # a process with a timeout: a regression would read /dev/zero forever
    result = _cli("import", require(LDB_12411_15I), "--source-id", "ITNRW_NEW_2025", "--raw-dir", raw_copy)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "schon vor dem Import" in result.stderr and "symbolische Verknüpfung" in result.stderr
    assert os.readlink(raw_copy / "snapshot" / "values.csv") == "/dev/zero"
    assert not list(raw_copy.glob("itnrw/*12411-15i*"))
