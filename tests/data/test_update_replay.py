"""`data update --table …` replaying the recorded real answers of the statistics services
(../shared/pystatis-cassettes, vcrpy): pystatis sends its requests, vcrpy answers from the cassette and
refuses anything unrecorded, so no test touches the network."""
import re
import types
import urllib.parse

import pandas as pd
import pytest
import vcr

from helpers import kommunen
from helpers.data import datapackage, update
from helpers.data.change_report import ChangeReport
from tests.material import CASSETTES, require

from .conftest import tree_hashes
from .update_support import without_exports


def _fields(request) -> dict:
    body = request.body or b""
    return dict(urllib.parse.parse_qsl(body.decode() if isinstance(body, bytes) else body))


def _same_query(r1, r2) -> None:
    """Looser than pystatis' own replay (which compares the whole body): the table or job and language must match."""
    a, b = _fields(r1), _fields(r2)
    for name in ("name", "selection", "job", "language"):
        assert a.get(name) == b.get(name), name


REPLAY = vcr.VCR(record_mode="none", match_on=["method", "host", "path", "same_query"])
REPLAY.register_matcher("same_query", _same_query)


@pytest.fixture
def replay(monkeypatch, tmp_path, raw_copy, processed_copy):
    """Run `update` for one table against its cassette, starting from the snapshot alone; dummy credentials (the
    cassettes hold none), no waiting between the polls of a background job."""
    from pystatis import http_helper

    without_exports(raw_copy)

    for db in ("GENESIS", "REGIO", "ZENSUS"):
        for field in ("USERNAME", "PASSWORD"):
            monkeypatch.setenv(f"PYSTATIS_{db}_API_{field}", "replay")
    monkeypatch.setattr(http_helper, "time", types.SimpleNamespace(sleep=lambda seconds: None,
                                                                   perf_counter=http_helper.time.perf_counter))
    tables_file = tmp_path / "tables.yaml"
    tables_file.write_text(update.TABLES_FILE.read_text(encoding="utf-8") + ERROR_TABLES, encoding="utf-8")

    def run(code: str, **kwargs) -> ChangeReport:
        with REPLAY.use_cassette(str(require(CASSETTES / f"{code}.yaml"))):
            return update.update([code], raw_dir=raw_copy, processed_dir=processed_copy,
                                 updates_dir=tmp_path / "updates", tables_file=tables_file, **kwargs)
    return run


# Two recorded error answers of GENESIS-Online, declared only for these tests.
ERROR_TABLES = """
  61111-0021: {service: genesis, title: "Verbraucherpreisindex (Teiltabelle ohne Werte)", regions: kreis, columns: {}}
  63121-0001: {service: genesis, title: "Tabelle ohne passende Objekte", regions: kreis, columns: {}}
"""


def _observations(processed, source_prefix):
    obs = pd.read_parquet(processed / "observations.parquet")
    return obs[obs["source_id"].str.startswith(source_prefix)]


def _resource(raw, table):
    [resource] = [r for r in datapackage.read_package(raw)["resources"] if r.get("x_table") == table]
    return resource


def test_population_by_sex_from_regionalstatistik(replay, raw_copy, processed_copy):
    report = replay("12411-01-01-4")
    assert report.failed == [], report.format()
    assert report.tables["12411-01-01-4"]["source_id"] == "REGIO_12411_01_01_4_20260310"
    rows = _observations(processed_copy, "REGIO_12411_01_01_4_")
    kreis = rows[rows["ags"] == "05154"].set_index("category")["value"].to_dict()
    assert kreis == {"total": 322018.0, "male": 160893.0, "female": 161125.0}
    assert {"05154", "05170", "05111"} <= set(rows["ags"]) and rows["ags"].str.match(r"05|DG").all()
    assert set(rows["base"]) == {"update_2022_base"} and rows["preferred"].all()
    resource = _resource(raw_copy, "12411-01-01-4")
    assert resource["x_date_accessed"] == "2026-03-10" and resource["x_service"] == "regionalstatistik"
    assert "pystatis, regio" in resource["x_retrieved_via"]
    assert re.search(r"Auszug der Serverantwort: \d+ von 1467 Datenzeilen", resource["description"])
    assert datapackage.provenance_problems(raw_copy) == []


def test_zensus_2022_population_of_every_gemeinde(replay, processed_copy):
    report = replay("1000A-0000")
    assert report.failed == []
    rows = _observations(processed_copy, "ZENSUS_1000A_0000_20260310")
    population = rows[rows["variable"] == "population"].set_index("ags")["value"]
    kleve = population[[r.ags for r in kommunen.kommunen()]]
    assert population["05154064"] == 11446.0 and population["DG"] == 82719540.0
    assert kleve.sum() == 315361.0  # the Kreis total of the census
    assert len(population.drop("DG")) == 396  # every NRW Gemeinde; a kreisfreie Stadt under its Kreis key
    assert set(rows["base"]) == {"census_2022"} and (rows["date"] == "2022-05-15").all() and rows["preferred"].all()


@pytest.mark.slow  # a whole data build or import over the statewide tables
def test_protection_seekers_through_the_background_job(replay, processed_copy, raw_copy):
    report = replay("12531-0043")
    assert report.failed == [] and report.tables["12531-0043"]["retrieved"] == "2026-03-10"
    rows = _observations(processed_copy, "DESTATIS_12531_0043_")
    assert set(rows["ags"]) == {"05154"} and set(rows["variable"]) == {"protection_seekers"}
    assert (rows["date"] == "2024-12-31").all() and len(rows) == 481
    ukraine = rows[rows["category"] == "offener_schutzstatus|maennlich|ukraine"]["value"]
    assert ukraine.tolist() == [100.0]
    assert _resource(raw_copy, "12531-0043")["bytes"] < 200_000  # the Kreis extract, not the 33 MB answer


def test_the_same_answer_again_is_unchanged_and_writes_nothing(replay, raw_copy, processed_copy, tmp_path):
    replay("1000A-0000")
    before = tree_hashes(raw_copy), tree_hashes(processed_copy)
    report = replay("1000A-0000")
    assert report.tables["1000A-0000"]["status"] == "unchanged" and report.changes == []
    assert (tree_hashes(raw_copy), tree_hashes(processed_copy)) == before


@pytest.mark.parametrize("code, message", [
    ("61111-0021",
     "GENESIS-Online (Destatis) lieferte keine Daten: „Für die Teiltabelle mit der Metadatenkombination:"),
    ("63121-0001", "„Es gibt keine Objekte zum angegebenen Selektionskriterium“"),
    ("13111-01-03-4", "der neueste Stichtag 30.06.2025 enthält für Kreis Kleve und seine Kommunen nur leere Felder"),
])
def test_error_answers_give_clear_messages_and_change_nothing(replay, raw_copy, processed_copy, tmp_path, code,
                                                              message):
    before = tree_hashes(raw_copy), tree_hashes(processed_copy)
    report = replay(code)
    assert report.failed == [code] and message in report.tables[code]["message"]
    assert "bleiben unverändert" in report.format()
    assert (tree_hashes(raw_copy), tree_hashes(processed_copy)) == before and not (tmp_path / "updates").exists()
