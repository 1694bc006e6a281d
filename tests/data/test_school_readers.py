"""Readers for the statewide school statistics and migration exports in ../shared/genesis-found (never copied):
the IT.NRW Kommunalprofil 21111-9k21 (regions by name), the Sozialindex school lists (MSB open data, and the
IT.NRW school directory with an added Sozialindex column), migration 2015 (12711-01-03-5); a PDF is refused."""
import math

import pytest

from helpers import indicators, ingest, kommunen
from helpers.data import importing, store

from tests.material import FOUND, require, value_of as _value

KOMMUNALPROFIL = FOUND / "SerhatKaraarslann__Techlabs-Data-Science-Projekt__21111-9k21.csv"
MSB_LIST = FOUND / "SerhatKaraarslann__Techlabs-Data-Science-Projekt__schulliste_sj_25_26_open_data.csv"
DIRECTORY_LIST = FOUND / "homlador__schulsozialindex-karte__AS_BS_Verzeichnis_2024_25_mit_Sozialindex.csv"
PDF_LIST = FOUND / "homlador__schulsozialindex-karte__sozialindex_schulliste_schuljahr_2025-26.pdf"
MIGRATION = FOUND / "datenguide__genesapi-data__12711-01-03-5_00.csv"
KLEVE_STADT, KREIS_KLEVE, MOERS = "05154036", "05154", "05170024"


@pytest.fixture(scope="module")
def profile():
    return ingest.read_file(require(KOMMUNALPROFIL), regions=kommunen.resolve)


def test_kommunalprofil_reads_every_nrw_gemeinde_by_name(profile):
    assert profile.format == "kommunalprofil" and profile.table == "21111-9k21" and profile.problems == []
    rows = profile.rows
    assert _value(rows, KLEVE_STADT, date="2022-10-15", variable="pupils", category="allgemeinbildend") == (6460.0, "")
    assert _value(rows, KLEVE_STADT, date="2021-10-15", variable="school_leavers", category="allgemeinbildend") == (600.0, "")
    assert _value(rows, "05154020", date="2020-10-15", variable="school_leavers", category="allgemeinbildend") == (0.0, "-")  # Kranenburg: a true zero
    assert _value(rows, MOERS, date="2022-10-15", variable="pupils", category="allgemeinbildend")[0] > 0
    wanted = {r.ags for r in kommunen.all_regions() if r.level in ("kommune", "kreis")}
    assert wanted <= set(rows.loc[rows["variable"] == "pupils", "ags"])
    assert set(rows["variable"]) == {"pupils", "school_leavers"} and set(rows["category"]) == {"allgemeinbildend"}  # leave_out


def _excerpt(tmp_path, edit):
    """The real title/header block, Kreis Kleve's and Kleve's rows and the footer, with one edit."""
    lines = require(KOMMUNALPROFIL).read_bytes().decode("cp1252").splitlines(keepends=True)
    head = lines[:7]
    body = [line for line in lines if line.strip().startswith(("Kleve, Kreis;", "Kleve, Stadt;"))]
    footer = lines[next(i for i, line in enumerate(lines) if line.startswith("__________")):]
    path = tmp_path / "21111-9k21.csv"
    path.write_bytes("".join(head + edit(body) + footer).encode("cp1252"))
    return path


def test_kommunalprofil_malformed_block_and_unknown_name_are_reported_not_dropped(tmp_path):
    def damage(body):
        body[3] = body[3].rsplit(";", 2)[0] + "\r\n"  # two fields short
        return body + ["      Klewe, Stadt;2022/23;Schüler/-innen;Insgesamt;Anzahl" + ";5" * 14 + "\r\n"]
    extract = ingest.read_file(_excerpt(tmp_path, damage), regions=kommunen.resolve)
    assert any("Zeile 11" in p and "Block nicht gelesen" in p for p in extract.problems), extract.problems
    assert any("'Klewe, Stadt'" in p and "Gemeindeverzeichnis" in p for p in extract.problems), extract.problems
    with pytest.raises(importing.ImportRefused, match="fehlerhaft"):
        importing.import_file(_excerpt(tmp_path, damage), importing.Provenance(source_id="ITNRW_21111_TEST"),
                              raw_dir=tmp_path / "raw-never-touched")


def test_kommunalprofil_needs_the_directory(tmp_path):
    extract = ingest.read_file(_excerpt(tmp_path, lambda body: body))
    assert extract.rows.empty and "Gemeindeverzeichnis" in extract.problems[0]


def test_msb_school_list_counts_schools_per_stage_and_region():
    extract = ingest.read_file(require(MSB_LIST), regions=kommunen.resolve)
    assert (extract.format, extract.table, extract.status, extract.problems) == ("school_list", "schulsozialindex", "derived", [])
    rows = extract.rows
    assert set(rows["date"]) == {"2025-10-15"}  # sj_25_26 in the file name
    kreis = [_value(rows, KREIS_KLEVE, variable="schools_by_sozialindex", category=f"stufe_{n}")[0] for n in range(1, 10)]
    assert kreis == [12, 27, 10, 8, 8, 4, 4, 0, 1]  # the MSB list 2025/26 for Kreis Kleve, 74 schools
    assert _value(rows, KREIS_KLEVE, variable="schools_with_sozialindex")[0] == 74
    gemeinden = rows[(rows["variable"] == "schools_with_sozialindex") & rows["ags"].str.match(r"^05154\d{3}$")]
    assert gemeinden["value"].sum() == 74 and len(gemeinden) == 16
    assert _value(rows, "05", variable="schools_with_sozialindex")[0] == 4157 - 15  # 15 schools listed 'ohne'


def test_school_directory_with_sozialindex_gives_the_same_counts_by_key():
    """The directory keys schools by AGS; the MSB list only names them: equal counts prove the name matching.
    The one difference is the MSB list's own: it files two Erkrath schools (Gym and RS Hochdahl, 165669 and
    183246; the directory's AGS 05158004) under 'Stadt Düsseldorf'. The reader keeps the list as published."""
    msb = ingest.read_file(require(MSB_LIST), regions=kommunen.resolve).rows
    keyed = ingest.read_file(require(DIRECTORY_LIST), reference_date="2025-10-15")
    assert keyed.problems == [] and keyed.status == "derived"
    both = msb.merge(keyed.rows, on=["ags", "date", "variable", "category"], how="outer", suffixes=("_msb", "_key"))
    differ = both[both["value_msb"] != both["value_key"]]
    assert set(differ["ags"]) == {"05111", "05158", "05158004"}
    totals = differ[differ["variable"] == "schools_with_sozialindex"].set_index("ags")
    assert (totals["value_key"] - totals["value_msb"]).to_dict() == {"05111": -2, "05158": 2, "05158004": 2}


def test_school_directory_without_the_stage_year_is_undated():
    """Its Schuljahr column (2024/25) dates the directory, not the added Sozialindex: no date, so an import asks for one."""
    assert set(ingest.read_file(require(DIRECTORY_LIST)).rows["date"]) == {""}


def test_school_list_unknown_gemeinde_is_reported(tmp_path):
    raw = require(MSB_LIST).read_bytes().decode("cp850").replace(";Kreis Kleve;Kleve;", ";Kreis Kleve;Klewe;", 1)
    path = tmp_path / "schulliste_sj_25_26_open_data.csv"
    path.write_bytes(raw.encode("cp850"))
    problems = ingest.read_file(path, regions=kommunen.resolve).problems
    assert len(problems) == 1 and "Klewe (Kreis Kleve)" in problems[0]


def test_the_pdf_list_is_refused_with_the_csv_named():
    with pytest.raises(ingest.IngestError, match="PDF-Datei.*Open-Data-CSV"):
        ingest.read_file(require(PDF_LIST))


def test_migration_2015_reads_moves_in_and_out_per_gemeinde():
    extract = ingest.read_file(require(MIGRATION))
    assert extract.problems == [] and extract.table == "12711-01-03-5"
    rows = extract.rows
    assert _value(rows, KLEVE_STADT, date="2015-12-31", variable="moves_in", category="total") == (4509.0, "")
    assert _value(rows, KLEVE_STADT, date="2015-12-31", variable="moves_out", category="age_under_18") == (477.0, "")
    assert not rows["variable"].str.contains("zuzuege|fortzuege").any()  # every column declared in tables.yaml
    assert not rows["category"].str.contains("male").any()  # both sexes together only (leave_out)


def test_imported_school_figures_serve_every_kreis():
    """After the import (data/raw), a Gemeinde of Kreis Wesel has its pupils, leavers and Sozialindex share."""
    obs = store.load("observations")
    for indicator_id in ("pupils_general", "school_leavers_general", "schools_sozialindex_high_share"):
        series = indicators.indicator_series(obs, indicator_id, MOERS)
        assert not series.empty and not math.isnan(series["value"].iloc[-1]), indicator_id
    official = obs[obs["preferred"] & (obs["variable"] == "pupils") & (obs["ags"] == KLEVE_STADT)
                   & (obs["date"] == "2022-10-15") & (obs["category"] == "allgemeinbildend")]
    assert official["source_id"].str.startswith("ITNRW_21111_9K21").all() and len(official) == 1
    footnote = obs[obs["preferred"] & (obs["variable"] == "pupils") & (obs["date"] == "2018-10-15")
                   & (obs["category"] == "allgemeinbildend") & obs["ags"].isin([KLEVE_STADT, KREIS_KLEVE])]
    assert footnote.set_index("ags")["status"].to_dict() == {KLEVE_STADT: "rounded", KREIS_KLEVE: "published"}
