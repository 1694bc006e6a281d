"""`data update` with --from on real exports of ../shared/genesis-found and against a local stand-in for the
Landesdatenbank NRW download route (127.0.0.1, real files, 401/500/timeout). No test leaves this machine.
Refusals and failed downloads run the command line in this process (``run_cli``)."""
import datetime as dt
import http.server
import json
import shutil
import socket
import threading

import pandas as pd
import pytest

from helpers.data import datapackage, update
from helpers.run import pages
from tests.material import require

from .conftest import tree_hashes
from .update_support import LDB_12411_15I, LDB_22811_01I, cli, revised_12411_15i, without_exports

CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, nothing leaves the machine


def _dirs(raw_copy, processed_copy):
    return {"raw_dir": raw_copy, "processed_dir": processed_copy, "updates_dir": raw_copy.parent / "updates"}


def _state(raw_copy, processed_copy):
    return tree_hashes(raw_copy), tree_hashes(processed_copy)


def test_help_names_the_options(run_cli):
    result = run_cli("data", "update", "--help")
    assert result.returncode == 0
    for option in ("--table", "--from", "--dry-run"):
        assert option in result.stdout


def test_unknown_table_is_a_bad_argument(run_cli, raw_copy):
    result = run_cli("data", "update", "--table", "99999-0000", "--raw-dir", raw_copy)
    assert result.returncode == 2
    assert "Unbekannte Tabelle(n) 99999-0000" in result.stderr and "12411-15i" in result.stderr


def test_a_table_not_fetched_automatically_is_skipped_and_the_report_says_why(run_cli, raw_copy, processed_copy,
                                                                               tmp_path):
    before = _state(raw_copy, processed_copy)
    result = run_cli("data", "update", "--table", "21111-9k21", "--table", "12511", "--dry-run", "--raw-dir", raw_copy,
                     "--out-dir", processed_copy, "--updates-dir", tmp_path / "updates")
    assert result.returncode == 0, result.stderr
    skipped = "übersprungen, wird nicht automatisch abgerufen"
    assert (f"Tabelle 21111-9k21: {skipped} – nur als Kommunalprofil-Tabelle, deren Regionen eingerückte Namen"
            in result.stdout)
    assert f"Tabelle 12511: {skipped} – Tabellencode noch nicht ermittelt" in result.stdout
    assert _state(raw_copy, processed_copy) == before and not (tmp_path / "updates").exists()


@pytest.mark.slow  # a whole data build or import over the statewide tables
def test_from_dry_run_recognises_both_exports_and_reports_the_revised_weeze_value(run_cli, raw_copy, processed_copy,
                                                                                  tmp_path):
    without_exports(raw_copy, "12411-15i", "22811-01i")
    folder = tmp_path / "downloads"
    revised_12411_15i(folder)
    shutil.copy(require(LDB_22811_01I), folder / "export.csv")  # any file name: recognised by the header
    before = _state(raw_copy, processed_copy)
    result = run_cli("data", "update", "--from", folder, "--dry-run", "--raw-dir", raw_copy,
                     "--out-dir", processed_copy, "--updates-dir", tmp_path / "updates")
    assert result.returncode == 0, result.stderr
    assert "Tabelle 12411-15i: neu übernommen" in result.stdout and "Tabelle 22811-01i: neu übernommen" in result.stdout
    assert "Weeze: population (total) 31.12.2024 revidiert: 12.766 → 12.801" in result.stdout
    assert "Probelauf" in result.stdout
    assert _state(raw_copy, processed_copy) == before and not (tmp_path / "updates").exists()


@pytest.mark.slow  # a whole data build or import over the statewide tables
def test_from_imports_with_provenance_then_a_revision_replaces_the_export(raw_copy, processed_copy, tmp_path,
                                                                        monkeypatch):
    without_exports(raw_copy, "12411-15i")
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(require(LDB_12411_15I), first / LDB_12411_15I.name)
    report = update.update(source=first, **_dirs(raw_copy, processed_copy))
    assert report.failed == [] and report.tables["12411-15i"]["status"] == "updated"
    # Kreis Kleve: the same figures as the snapshot's transcription of this table; the rest of NRW is new
    assert [c for c in report.changes if c["ags"].startswith("05154")] == []
    assert {c["kind"] for c in report.changes} == {"new_date"}
    [resource] = [r for r in datapackage.read_package(raw_copy)["resources"] if r.get("x_table") == "12411-15i"]
    assert resource["x_retrieved_via"].startswith("python -m helpers data update (--from")
    assert resource["x_base"] == "update_2022_base" and resource["x_service"] == "landesdatenbank-nrw"
    assert (raw_copy / resource["path"]).read_bytes() == LDB_12411_15I.read_bytes()  # stored as published
    assert datapackage.provenance_problems(raw_copy) == []

    second = tmp_path / "second"
    revised_12411_15i(second)
    report = update.update(source=second, **_dirs(raw_copy, processed_copy))
    revised = {(c["name"], c["old"], c["new"]) for c in report.changes if c["kind"] == "revised"}
    assert revised == {("Weeze", 12766.0, 12801.0), ("Kreis Kleve", 322018.0, 322053.0)}
    assert report.tables["12411-15i"]["replaces"] == [resource["x_source_id"]]
    assert not (raw_copy / resource["path"]).exists() or resource["path"] == report.tables["12411-15i"]["file"]
    obs = pd.read_parquet(processed_copy / "observations.parquet")
    weeze = obs[(obs.ags == "05154064") & (obs.variable == "population") & (obs.date == "2024-12-31") & obs.preferred]
    assert weeze["value"].tolist() == [12801.0] and weeze["source_id"].str.startswith("ITNRW_12411_15I_").all()
    saved = json.loads((raw_copy.parent / "updates" / "latest.json").read_text(encoding="utf-8"))
    assert saved["changes"] == report.changes and saved["dry_run"] is False

    monkeypatch.setattr(update, "UPDATES_DIR", raw_copy.parent / "updates")  # the briefings index reads the report
    pages.write_index(tmp_path, [], created=dt.datetime(2026, 12, 1, 6, 15), sprache="de", version=None)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<h2>Neu seit dem letzten Lauf</h2>" in index and "Tabelle 12411-15i (Bevölkerungsstand" in index
    assert "<li>Weeze: Wert zum 31.12.2024 berichtigt: 12.766 → 12.801</li>" in index


@pytest.mark.parametrize("stranger, message", [
    ("homlador__schulsozialindex-karte__sozialindex_schulliste_schuljahr_2025-26.pdf", "PDF"),
    ("CorrelAid__pystatis__13111-0005_flat.csv", "Tabelle 13111-0005 ist nicht deklariert"),
])
def test_from_with_an_unknown_file_fails_and_changes_nothing(run_cli, raw_copy, processed_copy, tmp_path, stranger,
                                                              message):
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(require(LDB_12411_15I), folder / "a.csv")
    shutil.copy(require(LDB_12411_15I.parent / stranger), folder / stranger)
    before = _state(raw_copy, processed_copy)
    result = run_cli("data", "update", "--from", folder, "--raw-dir", raw_copy, "--out-dir", processed_copy,
                     "--updates-dir", tmp_path / "updates")
    assert result.returncode == 1 and message in result.stdout and "Traceback" not in result.stderr
    assert "bleiben unverändert" in result.stdout
    assert _state(raw_copy, processed_copy) == before and not (tmp_path / "updates").exists()


def test_offline_update_fails_clearly_and_changes_nothing(raw_copy, processed_copy, tmp_path):
    env = {"HOME": str(tmp_path / "home"), "HTTPS_PROXY": CLOSED, "HTTP_PROXY": CLOSED, "NO_PROXY": "",
           "https_proxy": CLOSED, "http_proxy": CLOSED, "no_proxy": "", "INTEGRATIONSMONITOR_LDB_URL": CLOSED + "/",
           **{f"PYSTATIS_{db}_API_{f}": "offline"
              for db in ("GENESIS", "REGIO", "ZENSUS") for f in ("USERNAME", "PASSWORD")}}
    before = _state(raw_copy, processed_copy)
    result = cli("update", "--raw-dir", raw_copy, "--out-dir", processed_copy, "--updates-dir", tmp_path / "updates",
                 env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "keine Verbindung" in result.stdout and "Tabelle 12411-01-01-4: FEHLGESCHLAGEN" in result.stdout
    assert "Tabelle 12411-15i: FEHLGESCHLAGEN" in result.stdout
    assert _state(raw_copy, processed_copy) == before


# --- a local stand-in for the Landesdatenbank NRW download route ---------------------------------------------


class _Landesdatenbank(http.server.BaseHTTPRequestHandler):
    """/<code>_00.csv serves the real export; /401/…, /500/… answer with that status."""
    files = {}

    def do_GET(self):  # noqa: N802 (http.server's naming)
        prefix, _, name = self.path.strip("/").rpartition("/")
        if prefix in ("401", "500"):
            self.send_error(int(prefix))
            return
        body = self.files.get(name) if prefix == "" else None
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/csv; charset=ISO-8859-1")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def landesdatenbank():
    _Landesdatenbank.files = {"12411-15i_00.csv": require(LDB_12411_15I).read_bytes(),
                              "22811-01i_00.csv": require(LDB_22811_01I).read_bytes()}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Landesdatenbank)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_server():
    """A port on 127.0.0.1 that takes connections (the kernel's backlog) and never answers: the read times out,
    however fast or slow the machine (no server sleeping against the client's timeout)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:  # never accept()ed
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.mark.slow  # a whole data build or import over the statewide tables
def test_download_route_imports_the_served_exports(raw_copy, processed_copy, landesdatenbank, monkeypatch):
    monkeypatch.setenv("INTEGRATIONSMONITOR_LDB_URL", landesdatenbank + "/")
    without_exports(raw_copy, "12411-15i", "22811-01i")
    report = update.update(["12411-15i", "22811-01i"], **_dirs(raw_copy, processed_copy))
    assert report.failed == [] and {t["status"] for t in report.tables.values()} == {"updated"}
    resources = {r["x_table"]: r for r in datapackage.read_package(raw_copy)["resources"]
                 if r.get("x_role") == "export"}
    assert f"Download {landesdatenbank}/22811-01i_00.csv" in resources["22811-01i"]["x_retrieved_via"]
    obs = pd.read_parquet(processed_copy / "observations.parquet")
    rate = obs[(obs.ags == "05154064") & (obs.variable == "minimum_benefit_rate_pct") & obs.preferred]
    assert rate["value"].tolist() == [14.5] and rate["source_id"].str.startswith("ITNRW_22811_01I_").all()


@pytest.mark.parametrize("route, message", [
    ("401", "HTTP 401; Zugang verweigert"),
    ("500", "HTTP 500; später erneut versuchen"),
    ("silent", "Zeitüberschreitung nach 1 s"),
    ("missing", "HTTP 404; Tabelle nicht gefunden"),
])
def test_download_failures_name_the_table_and_change_nothing(run_cli, raw_copy, processed_copy, tmp_path, monkeypatch,
                                                             landesdatenbank, silent_server, route, message):
    before = _state(raw_copy, processed_copy)
    base = silent_server if route == "silent" else f"{landesdatenbank}/{route}"
    monkeypatch.setenv("INTEGRATIONSMONITOR_LDB_URL", f"{base}/")
    monkeypatch.setenv("INTEGRATIONSMONITOR_HTTP_TIMEOUT", "1")
    result = run_cli("data", "update", "--table", "22811-01i", "--table", "12411-15i", "--raw-dir", raw_copy,
                     "--out-dir", processed_copy, "--updates-dir", tmp_path / "updates")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Tabelle 22811-01i: FEHLGESCHLAGEN" in result.stdout and message in result.stdout
    assert _state(raw_copy, processed_copy) == before and not (tmp_path / "updates").exists()


def test_every_declared_column_maps_to_a_known_variable_and_unit():
    """tables.yaml and checks.yaml agree: else `data update` would import a table that the next build refuses."""
    from helpers.data.rules import checks
    from helpers.ingest.common import declared_tables

    rules = checks()
    for code, spec in declared_tables()["tables"].items():
        assert spec["service"] in declared_tables()["services"], code
        for header, (variable, _category, unit) in spec.get("columns", {}).items():
            assert variable in rules["variables"], (code, header)
            assert unit in rules["units"], (code, header)


MIRROR_AGE = "datenguide__genesapi-data__12411-07-01-5_00.csv"  # in data/raw under this name, from the mirror


@pytest.mark.slow  # a whole update with a data build over the statewide tables
def test_retrieved_on_and_via_re_record_the_provenance_of_the_same_bytes(run_cli, raw_copy, processed_copy, tmp_path):
    """A file from a public mirror: its date at the publisher and its route are recorded (not today and "direct");
    the same bytes with another provenance replace the record, and the same provenance again changes nothing."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    shutil.copy(require(LDB_12411_15I.parent / MIRROR_AGE), folder / MIRROR_AGE)
    via = "Testkopie des GitHub-Spiegels datenguide/genesapi-data, src/12411-07-01-5_00.csv"  # not the recorded route
    args = ("data", "update", "--from", folder, "--table", "12411-07-01-5", "--retrieved-on", "2017-10-10",
            "--via", via, "--raw-dir", raw_copy, "--out-dir", processed_copy, "--updates-dir", tmp_path / "updates")
    result = run_cli(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    [resource] = [r for r in datapackage.read_package(raw_copy)["resources"] if r.get("x_table") == "12411-07-01-5"]
    assert (resource["x_date_accessed"], resource["x_via"], resource["x_source_id"]) == (
        "2017-10-10", via, "REGIO_12411_07_01_5_20171010")
    assert f"über {via}; abgerufen 2017-10-10" in resource["x_retrieved_via"]
    assert resource["path"] == f"regionalstatistik/{MIRROR_AGE}"  # the same file, only its record is new
    log = (tmp_path / "updates").parent.joinpath("CHANGELOG.md").read_text(encoding="utf-8")
    assert "Quelle `REGIO_12411_07_01_5_20171010`" in log and "abgerufen 2017-10-10" in log  # written with the update
    before = _state(raw_copy, processed_copy)
    again = run_cli(*args)
    assert again.returncode == 0 and _state(raw_copy, processed_copy) == before


@pytest.mark.slow  # a whole update with a data build over the statewide tables
def test_the_same_bytes_without_a_route_keep_the_recorded_provenance(run_cli, raw_copy, processed_copy, tmp_path):
    """Loading a mirror's file again without --retrieved-on/--via must not overwrite its recorded route with today."""
    folder = tmp_path / "again"
    folder.mkdir()
    shutil.copy(require(LDB_12411_15I.parent / MIRROR_AGE), folder / MIRROR_AGE)
    before = _state(raw_copy, processed_copy)
    result = run_cli("data", "update", "--from", folder, "--table", "12411-07-01-5", "--raw-dir", raw_copy,
                     "--out-dir", processed_copy, "--updates-dir", tmp_path / "updates")
    assert result.returncode == 0 and "unverändert" in result.stdout
    assert _state(raw_copy, processed_copy) == before


def test_retrieved_on_and_via_need_a_folder(run_cli, raw_copy):
    result = run_cli("data", "update", "--via", "ein Spiegel", "--raw-dir", raw_copy)
    assert result.returncode == 2 and "nur mit --from" in result.stderr
    bad = run_cli("data", "update", "--from", raw_copy, "--retrieved-on", "10.10.2017", "--raw-dir", raw_copy)
    assert bad.returncode == 2 and "JJJJ-MM-TT" in bad.stderr
