"""Fixtures shared across the test folders (add yours; never remove others')."""
import json
import os
import subprocess

import pytest

from helpers import cli
from helpers.data import geo
from tests.material import GEO, require

SHARED_BOUNDARIES = GEO / "nrw_gemeinden.geojson"


@pytest.fixture
def shown(monkeypatch):
    """What the briefing sections display, in order, as text: Markdown as written, a table or chart as
    its HTML (a chart's with the table "Zahlen zur Grafik"), a payload as JSON. The real display path,
    with IPython's ``display`` captured."""
    from helpers.briefings import document
    from helpers.presentation import charts, payloads, tables

    out: list[str] = []

    def capture(obj, raw=False):
        if isinstance(obj, dict):
            out.append(obj.get("text/html") or obj.get("text/plain") or json.dumps(obj, default=str))
        else:
            out.append(obj.data)

    for module in (document, tables, charts, payloads):
        monkeypatch.setattr(module, "display", capture)
    return out


def pytest_addoption(parser):
    parser.addoption("--sample-pages", action="store_true",
                     help="browser checks open one page per briefing kind and language, not all (make test-fast)")


# The real runs below, each shared by its users in one xdist group: a user outside it would start the run again
# in its own worker (test_kreis_pages once did: Kreis Wesel was built three times per make test).
SHARED_RUN_GROUPS = {"full_run": "full_run", "kleve_run": "full_run", "kreise_run": "kreise",
                     "largest_run": "largest_run"}


# The longest groups first (their shared run and its checks take minutes): xdist hands out work in collection
# order, and a long group started last would keep one worker busy while the others have nothing left.
LONGEST_GROUPS = ("full_run", "kreise", "largest_run", "toy-batch", "faults")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """nbval's cells of one notebook share its kernel and run in order: one xdist worker per notebook
    (before xdist reads the groups, hence tryfirst). A test of a shared run outside the run's group is an error.
    The tests of :data:`LONGEST_GROUPS` come first, in that order (the order within a group is kept)."""
    def rank(item) -> int:
        mark = item.get_closest_marker("xdist_group")
        name = (mark.args[0] if mark.args else mark.kwargs.get("name")) if mark else None
        return LONGEST_GROUPS.index(name) if name in LONGEST_GROUPS else len(LONGEST_GROUPS)

    items.sort(key=rank)
    for item in items:
        if item.nodeid.endswith(".ipynb") or ".ipynb::" in item.nodeid:
            item.add_marker(pytest.mark.xdist_group(f"nbval-{item.path.stem}"))
        marks = [mark.args[0] if mark.args else mark.kwargs.get("name") for mark in item.iter_markers("xdist_group")]
        for fixture in SHARED_RUN_GROUPS.keys() & set(getattr(item, "fixturenames", ())):
            if marks[:1] != [SHARED_RUN_GROUPS[fixture]]:
                raise pytest.UsageError(f"{item.nodeid} uses {fixture}: mark it "
                                        f'pytest.mark.xdist_group("{SHARED_RUN_GROUPS[fixture]}")')


@pytest.fixture
def run_cli(capsys):
    """``run_cli("briefings", "--kommune", "Klewe")``: ``helpers.cli.main`` in this process, as
    ``python -m helpers`` would run it, without starting an interpreter (a refusal costs milliseconds,
    not seconds); the exit code and the output as subprocess.run gives them."""
    def run(*args) -> subprocess.CompletedProcess:
        argv = [str(a) for a in args]
        capsys.readouterr()
        try:
            code = cli.main(argv)
        except SystemExit as stop:  # argparse's refusals (exit 2) and --help (exit 0)
            code = 0 if stop.code is None else stop.code if isinstance(stop.code, int) else 1
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(argv, code, out, err)

    return run


@pytest.fixture
def geo_sandbox(monkeypatch, tmp_path):
    """An empty boundary cache and no boundary file configured: the fresh-machine, offline case."""
    monkeypatch.setenv(geo.CACHE_ENV, str(tmp_path / "geo-cache"))
    monkeypatch.delenv(geo.BOUNDARIES_ENV, raising=False)
    geo.reset()
    yield monkeypatch
    geo.reset()


@pytest.fixture
def no_boundaries(geo_sandbox, tmp_path):
    """Not even the shipped boundaries (a checkout without data/raw/geo): the schematic-map case."""
    geo_sandbox.setattr(geo, "SHIPPED", tmp_path / "no-shipped-boundaries.geojson")
    return geo_sandbox


@pytest.fixture
def shared_boundaries(geo_sandbox):
    """The VG250 extract in ../shared/geo standing in for the BKG download (skips locally when absent)."""
    geo_sandbox.setenv(geo.BOUNDARIES_ENV, str(require(SHARED_BOUNDARIES)))
    return SHARED_BOUNDARIES


def _briefings_run(tmp_path_factory, *args: str):
    """``python -m helpers briefings ARGS`` (real papermill + nbconvert) into a temporary folder, as on a
    fresh clone: an empty map cache and no boundary file configured (the shipped ones draw). The Path of
    its run folder (``latest`` resolved); the folder it ran into is its parent."""
    import sys

    from helpers.run.batch import LATEST, product_notebooks

    missing = [p.name for p in product_notebooks() if not p.exists()]
    if missing:
        pytest.skip(f"Produkt-Notebooks fehlen noch: {', '.join(missing)}")
    out = tmp_path_factory.mktemp("briefings")
    env = {**os.environ, geo.CACHE_ENV: str(tmp_path_factory.mktemp("geo-cache"))}
    env.pop(geo.BOUNDARIES_ENV, None)
    done = subprocess.run([sys.executable, "-m", "helpers", "briefings", *args, "--out", str(out)],
                          capture_output=True, text=True, timeout=2400, env=env)
    if done.returncode != 0:
        pytest.fail(f"briefings {' '.join(args)} endete mit {done.returncode}:\n{done.stderr[-4000:]}")
    return (out / LATEST).resolve()


@pytest.fixture(scope="session")
def full_run(tmp_path_factory):
    """The complete run (`briefings --all`, German and English), once per session. Its users carry
    ``xdist_group("full_run")``, so under xdist it runs once too."""
    return _briefings_run(tmp_path_factory, "--all")


@pytest.fixture(scope="session")
def kleve_run(tmp_path_factory):
    """`briefings --kommune Kleve`, German and English: one page of each kind and language (make test-fast)."""
    return _briefings_run(tmp_path_factory, "--kommune", "Kleve")


LARGEST_KREIS = "Kreis Steinfurt"  # 24 Gemeinden, the most of any NRW Kreis (test_print_budgets checks it)


@pytest.fixture(scope="session")
def largest_run(tmp_path_factory):
    """The Kreis briefings of the NRW Kreis with the most Gemeinden and one of its profiles, German and English."""
    return _briefings_run(tmp_path_factory, "--kreis", LARGEST_KREIS, "--kommune", "Rheine")


OTHER_KREISE = ("05170", "Viersen", "Hochsauerlandkreis")  # Kreis Wesel by key, the others by name


@pytest.fixture(scope="session")
def kreise_run(tmp_path_factory):
    """One real run of three Kreise other than Kleve, German (`briefings --kreis 05170 --kreis Viersen --kreis
    Hochsauerlandkreis --sprache de`): the folder it ran into (``out``; the sites under ``out/latest/<site>``).
    Shared by tests/batch/test_kreise.py and test_kreis_pages.py, whose tests carry ``xdist_group("kreise")``."""
    return _briefings_run(tmp_path_factory, *(arg for kreis in OTHER_KREISE for arg in ("--kreis", kreis)),
                          "--sprache", "de").parent
