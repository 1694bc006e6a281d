"""batch.run with toy notebooks: results, failures, cache, lock, escaping (real papermill + nbconvert).

Each run starts a worker and its kernel (one: the toy runs test reuse and failures, not lanes, and a second
kernel would only cost CPU next to the other test workers), so the first complete run is made once
(``first_run``) and the tests that start from a good run take a copy of it (``after_first_run``)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from filelock import FileLock

from helpers import fmt, kommunen
from helpers.data import datapackage, store
from helpers.paths import RAW_DIR
from helpers.run import batch, pages, plan, pool
from tests.batch.toy import briefing_cells, notebook, product_root
from tests.data.update_support import LDB_12411_15I, cli
from tests.material import require

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("toy-batch")]  # first_run is made once
KLEVE = [kommunen.region("Kleve")]


@pytest.fixture(scope="module")
def pinned():
    """The helpers code hash pinned, because other people may edit src/helpers in this working tree
    while the tests run (the cache key would change between two runs of one test)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batch, "code_fingerprint", lambda: "pinned")
        yield


@pytest.fixture
def toy(pinned, tmp_path):
    """Toy notebooks + an output folder."""
    root = product_root(tmp_path / "root")
    return root / "notebooks", tmp_path / "out"


def _run(notebooks, out, selection=KLEVE, **options):
    jobs = plan.plan(selection, notebooks_dir=notebooks, stichtag=options.pop("stichtag", None))
    return batch.run(jobs, out, workers=1, notebooks_dir=notebooks, progress=False, **options)


@pytest.fixture(scope="module")
def first_run(pinned, tmp_path_factory):
    """The toy project's first complete run (Kreis Kleve, Kleve's profile): notebooks, output folder, result."""
    base = tmp_path_factory.mktemp("first-run")
    notebooks = product_root(base / "root") / "notebooks"
    return notebooks, base / "out", _run(notebooks, base / "out")


@pytest.fixture
def after_first_run(first_run, tmp_path):
    """A copy of the toy project and its output folder as the first run left them, to change freely
    (``latest`` is a relative link, so it points into the copy)."""
    notebooks, out, _ = first_run
    shutil.copytree(notebooks.parent, tmp_path / "root", symlinks=True)
    shutil.copytree(out, tmp_path / "out", symlinks=True)
    return tmp_path / "root" / "notebooks", tmp_path / "out"


def _statuses(result):
    return {e.output: e.status for e in result.entries}


def test_run_writes_briefings_index_and_record(first_run):
    notebooks, out, result = first_run
    assert result.exit_code == 0
    assert (out / "latest").resolve() == result.run_dir
    names = {p.name for p in result.run_dir.iterdir()}
    for stem in ("kreis_uebersicht", "kommunen_vergleich", "kommune_05154036_kleve"):
        assert {f"{stem}.html", f"{stem}.ipynb"} <= names
    assert {"index.html", "run.json", "plotly.min.js"} <= names
    assert [p.name for p in notebooks.iterdir() if p.is_socket()] == []  # kernel sockets live elsewhere
    record = json.loads((result.run_dir / "run.json").read_text())
    assert record["status"] == "ok" and record["data_hash"] and record["packages"]["papermill"]
    assert {e["parameters"].get("kommune") for e in record["notebooks"]} == {None, "05154036"}
    index = (result.run_dir / "index.html").read_text()
    assert 'href="kommune_05154036_kleve.html"' in index
    # the index's population column shows Kleve's newest official figure of the processed data
    obs = store.load("observations")
    rows = obs[(obs["ags"] == "05154036") & (obs["variable"] == "population") & (obs["category"] == "total")
               & (obs["base"] == "update_2022_base") & obs["preferred"]]
    newest = rows.loc[rows["date"].idxmax()]
    assert re.search(rf"<td[^>]*>{fmt.format_number(newest['value'], 0)}</td>", index), newest.to_dict()
    assert newest["date"].strftime("%d.%m.%Y") in index
    page = (result.run_dir / "kommune_05154036_kleve.html").read_text()
    assert '<script src="plotly.min.js"></script>' in page and 'lang="de"' in page
    assert "injected-parameters" not in page and "Stand der Daten: 31.12.2023" in page


def test_failing_notebook_is_reported_and_latest_kept(after_first_run):
    notebooks, out = after_first_run
    good = (out / "latest").resolve()
    notebook(notebooks / "kommune_profil.ipynb", *briefing_cells("kommune_profil"),
             "raise RuntimeError('absichtlicher Testfehler')")
    bad = _run(notebooks, out)
    assert bad.exit_code == 1
    assert _statuses(bad) == {"kreis_uebersicht": "skipped", "kommunen_vergleich": "skipped",
                              "kommune_05154036_kleve": "failed"}
    error = next(e for e in bad.entries if e.status == "failed").error
    assert error["ename"] == "RuntimeError" and "Testfehler" in error["evalue"]
    assert error["source"].startswith("raise RuntimeError") and error["cell"] == 6  # after the injected cell
    assert (out / "latest").resolve() == good
    assert json.loads((bad.run_dir / "run.json").read_text())["status"] == "failed"


def test_rerun_skips_unchanged_and_reruns_what_changed(after_first_run):
    notebooks, out = after_first_run
    again = _run(notebooks, out)  # how long a rerun takes: `make bench` ("kleve rerun, nothing changed")
    assert set(_statuses(again).values()) == {"skipped"}
    assert (again.run_dir / "kommune_05154036_kleve.html").stat().st_nlink >= 2  # hard-linked, not re-made

    assert set(_statuses(_run(notebooks, out, stichtag="2022-12-31")).values()) == {"ok"}  # parameter
    profile = notebooks / "kommune_profil.ipynb"
    profile.write_text(profile.read_text().replace("Text.", "Anderer Text."))  # one notebook
    assert _statuses(_run(notebooks, out, stichtag="2022-12-31")) == {
        "kreis_uebersicht": "skipped", "kommunen_vergleich": "skipped", "kommune_05154036_kleve": "ok"}
    assert set(_statuses(_run(notebooks, out)).values()) == {"ok"}  # stichtag back to default
    assert set(_statuses(_run(notebooks, out, force=True)).values()) == {"ok"}  # --force


def _edit_raw(raw, relative, line_start, old, new):
    """Change one cell of an official export in a copy of data/raw, its provenance hash updated
    with the project's own helper (as a documented curation would)."""
    path = raw / relative
    lines = path.read_bytes().split(b"\n")
    [i] = [i for i, line in enumerate(lines) if line.startswith(line_start.encode())]
    assert lines[i].endswith(old.encode())
    lines[i] = lines[i][: -len(old)] + new.encode()
    path.write_bytes(b"\n".join(lines))
    datapackage.record_curation(raw, relative)


def _counts(result):
    done = {}
    for entry in result.entries:
        done.setdefault(plan.site_of(entry.output), {"ok": 0, "skipped": 0})[entry.status] += 1
    return done


def test_a_changed_value_rebuilds_only_the_briefings_of_its_kreis(toy, tmp_path):
    """The reuse key is the data a briefing reads: a Gemeinde of Kreis Wesel changes Wesel's
    briefings only, an NRW value changes all (data/raw copied, its processed build made from it)."""
    notebooks, out = toy
    raw = tmp_path / "data" / "raw"
    shutil.copytree(RAW_DIR, raw)
    selection = [*kommunen.kommunen("Kleve")[:2], *kommunen.kommunen("Wesel")[:2]]
    first = _run(notebooks, out, selection, raw_dir=raw)
    assert _counts(first) == {"kreis-kleve": {"ok": 4, "skipped": 0}, "kreis-wesel": {"ok": 4, "skipped": 0}}
    assert _counts(_run(notebooks, out, selection, raw_dir=raw)) == {
        "kreis-kleve": {"ok": 0, "skipped": 4}, "kreis-wesel": {"ok": 0, "skipped": 4}}

    _edit_raw(raw, "itnrw/22811-01i.csv", "05170024;", ";11,6", ";11,7")  # Moers, Kreis Wesel
    moers = _run(notebooks, out, selection, raw_dir=raw)
    assert _counts(moers) == {"kreis-kleve": {"ok": 0, "skipped": 4}, "kreis-wesel": {"ok": 4, "skipped": 0}}
    record = json.loads((moers.run_dir / "run.json").read_text())
    assert sum(e["status"] == "ok" for e in record["notebooks"]) == 4
    assert record["kreis_data_hashes"].keys() == {"05154", "05170"}

    _edit_raw(raw, "itnrw/22811-01i.csv", "05;", ";11,1", ";11,2")  # Nordrhein-Westfalen
    assert _counts(_run(notebooks, out, selection, raw_dir=raw)) == {
        "kreis-kleve": {"ok": 4, "skipped": 0}, "kreis-wesel": {"ok": 4, "skipped": 0}}


def test_data_that_fails_validation_stops_the_run_and_keeps_nothing(toy, tmp_path):
    notebooks, out = toy
    raw = tmp_path / "data" / "raw"
    shutil.copytree(RAW_DIR, raw)
    values = raw / "snapshot" / "values.csv"
    values.write_bytes(values.read_bytes() + b"\n05154036,Kleve,2024-12-31,population,total,kaputt\n")
    with pytest.raises(batch.RunError, match="konnte nicht abgeschlossen werden"):
        _run(notebooks, out, raw_dir=raw)
    assert [p.name for p in out.iterdir()] == [batch.LOCK_FILE]


def test_lock_refuses_second_run_and_creates_nothing(toy):
    notebooks, out = toy
    out.mkdir()
    with FileLock(out / batch.LOCK_FILE), pytest.raises(batch.LockHeld, match="Ein anderer Lauf ist noch aktiv"):
        _run(notebooks, out)
    assert [p.name for p in out.iterdir()] == [batch.LOCK_FILE]


def test_data_text_is_escaped_in_html(toy):
    notebooks, out = toy
    attack = "<script>alert(1)</script>"
    notebook(notebooks / "kommune_profil.ipynb",
             *briefing_cells("kommune_profil", title=f"Titel {attack}", notes=repr([f"Hinweis {attack}"])),
             f"from IPython.display import Markdown, display\ndisplay(Markdown('Notiz aus Daten: {attack}'))")
    result = _run(notebooks, out)
    page = (result.run_dir / "kommune_05154036_kleve.html").read_text()
    assert attack not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # <title>, notes, markdown output


def test_refresh_rewrites_in_place_with_defaults_and_clean_metadata(tmp_path):
    path = notebook(tmp_path / "kreis_uebersicht.ipynb", *briefing_cells("kreis_uebersicht"))
    batch.refresh(path)
    nb = nbformat.read(path, as_version=4)
    assert "papermill" not in nb.metadata and nb.metadata["kernelspec"]["name"] == pool.KERNEL_NAME
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    assert not any({"papermill", "execution"} & set(c.metadata) for c in nb.cells)
    assert any(o.get("data", {}).get("text/html", "").startswith('<figure class="im-chart">')
               for c in nb.cells for o in c.get("outputs", []))
    first = path.read_text()
    batch.refresh(path)
    assert re.sub(r"[0-9a-f-]{36}", "ID", path.read_text()) == re.sub(r"[0-9a-f-]{36}", "ID", first)  # deterministic


def test_a_statewide_update_that_changes_one_gemeinde_rebuilds_only_its_kreis(toy, tmp_path):
    """A real `data update --from` of the statewide 12411-15i export with Moers (and so Kreis Wesel)
    revised: every row of the table now cites the new retrieval (ITNRW_12411_15I_<date>), but the
    reuse key is what a briefing shows — values and citations as printed — so Kleve's are reused."""
    notebooks, out = toy
    raw = tmp_path / "data" / "raw"
    shutil.copytree(RAW_DIR, raw)
    selection = [*kommunen.kommunen("Kleve")[:2], *kommunen.kommunen("Wesel")[:2]]
    _run(notebooks, out, selection, raw_dir=raw)
    retrieved = _source_id(raw, "12411-15i")
    export = require(LDB_12411_15I).read_bytes()
    for old, new in ((b";05170024;      Moers, Stadt;101503;", b";05170024;      Moers, Stadt;101513;"),
                     (b";05170;    Wesel, Kreis;457918;", b";05170;    Wesel, Kreis;457928;")):
        assert export.count(old) == 1
        export = export.replace(old, new)
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / "12411-15i.csv").write_bytes(export)
    done = cli("update", "--from", tmp_path / "downloads", "--raw-dir", raw, "--out-dir", raw.parent / "processed",
               "--updates-dir", tmp_path / "updates")
    assert done.returncode == 0, done.stderr
    changes = [line for line in done.stdout.splitlines() if "von Hand" not in line]  # not the manual-route notes
    assert "Moers" in done.stdout and not [line for line in changes if "Kleve" in line], done.stdout
    assert _source_id(raw, "12411-15i") != retrieved  # every row of the table cites the new retrieval

    again = _run(notebooks, out, selection, raw_dir=raw)
    assert _counts(again) == {"kreis-kleve": {"ok": 0, "skipped": 4}, "kreis-wesel": {"ok": 4, "skipped": 0}}


def test_plotly_js_of_another_plotly_is_replaced(after_first_run):
    """A rerun that reuses every briefing still ships the installed plotly's plotly.min.js, not the
    previous run's (after an upgrade the reused briefings are made anew anyway: the versions are in the key)."""
    notebooks, out = after_first_run
    (out / "latest" / "plotly.min.js").write_text("/* plotly.js of an older plotly */")
    again = _run(notebooks, out)
    assert set(_statuses(again).values()) == {"skipped"}
    assert (again.run_dir / "plotly.min.js").read_bytes() == pages.plotly_js_path().read_bytes()


def _source_id(raw, table: str) -> str:
    [resource] = [r for r in datapackage.read_package(raw)["resources"] if r.get("x_table") == table]
    return resource["x_source_id"]


MAIN_PROCESS = """import json, sys
from pathlib import Path
from helpers import fmt, kommunen
from helpers.run import batch, plan
notebooks, out = Path(sys.argv[1]), Path(sys.argv[2])
result = batch.run(plan.plan([kommunen.region("Kleve")], notebooks_dir=notebooks), out, workers=1,
                   notebooks_dir=notebooks, progress=False)
machinery = ("papermill", "nbclient", "nbformat", "nbconvert", "jsonschema")
print(json.dumps({"statuses": sorted({e.status for e in result.entries}),
                  "imported": [m for m in machinery if m in sys.modules]}))"""


def test_the_main_process_imports_no_notebook_machinery(toy):
    """Workers execute and export; the main process plans, hashes and writes the index — it never
    imports papermill, nbformat or nbconvert (and so never compiles jsonschema's grammars), whether
    the run executes notebooks or reuses them all."""
    notebooks, out = toy
    runs = [json.loads(subprocess.run([sys.executable, "-c", MAIN_PROCESS, str(notebooks), str(out)], check=True,
                                      capture_output=True, text=True, timeout=600).stdout) for _ in range(2)]
    assert [r["statuses"] for r in runs] == [["ok"], ["skipped"]]
    assert [r["imported"] for r in runs] == [[], []]
