"""A warm kernel's next notebook of the same Kreis reuses the tables and figures of the one before
(helpers.data.memo survives the reset), while every other helpers module starts afresh; what it
shares is read-only, so a notebook cannot change the next one's figures."""
from __future__ import annotations

import papermill
import pytest

from helpers.run import warm_kernel
from helpers.run.pool import KERNEL_NAME
from tests.batch.toy import notebook

pytestmark = pytest.mark.slow

FIGURES = """from helpers.indicators import queries
from helpers.data import memo, store
from helpers.indicators import compare
import helpers.kommunen
assert helpers.kommunen.all_regions.cache_info().currsize == 0  # the other modules start afresh
known = bool(memo.DERIVED)
obs = store.load("observations")
kreis = queries.regional(obs, "05154")
population = compare(queries.until(kreis, kreis["date"].max()), "population", helpers.kommunen.region(kommune).ags)
print(id(obs), id(population.kreis), known, population.kreis.value)"""


def test_a_kreis_s_next_notebook_reuses_the_figures_of_the_one_before(tmp_path):
    nb = notebook(tmp_path / "figures.ipynb", FIGURES)
    warm_kernel.shutdown()
    try:
        outputs = [papermill.execute_notebook(nb, tmp_path / f"{name}.ipynb", parameters={"kommune": name},
                                              engine_name=warm_kernel.ENGINE_NAME, kernel_name=KERNEL_NAME,
                                              progress_bar=False).cells[-1].outputs[0]["text"].split()
                   for name in ("Kleve", "Goch")]
    finally:
        warm_kernel.shutdown()
    (obs_a, kreis_a, known_a, value_a), (obs_b, kreis_b, known_b, value_b) = outputs
    assert (known_a, known_b) == ("False", "True")
    assert obs_a == obs_b and kreis_a == kreis_b and value_a == value_b  # the same frame, the same Kreis figure


KREIS_PASSES = """from helpers.indicators import queries
from helpers.data import store
from helpers.indicators import compare
import helpers.kommunen
kreis = queries.regional(store.load("observations"), "05154")
def passes():
    return [key for key in store.derived(kreis) if key[0] == "collapsed"]
before = passes()
compare(kreis, "foreign_share_census_2022", helpers.kommunen.region(kommune).ags)
print(len(before), len(passes()))"""


def test_the_kreis_wide_pass_is_found_again_after_the_reset(tmp_path):
    """The all-regions pass of a selection (memo key with the selection) is computed by the first
    notebook and found by the next one, after the reset has re-imported the catalogue's classes."""
    nb = notebook(tmp_path / "passes.ipynb", KREIS_PASSES)
    warm_kernel.shutdown()
    try:
        counts = [_last_line(nb, tmp_path / f"{name}.ipynb", {"kommune": name}) for name in ("Kleve", "Goch")]
    finally:
        warm_kernel.shutdown()
    (before_a, after_a), (before_b, after_b) = counts
    assert before_a == "0" and int(after_a) > 0  # the first notebook computes the passes
    assert before_b == after_b == after_a  # the next one finds every one of them


MUTATE = """from helpers.indicators import queries
from helpers.data import store
observations = store.load("observations")
kreis = queries.regional(observations, "05154")
refused = []
for frame in (observations, kreis):
    try:
        frame.loc[frame["ags"] == "05154036", "value"] = 0.0
    except ValueError as error:
        refused.append(str(error))
print(len(refused), refused[0] if refused else "")"""

FIGURE = """from helpers.indicators import queries
from helpers.data import store
from helpers.indicators import figure
kreis = queries.regional(store.load("observations"), "05154")
print(figure(kreis, "population", "05154036").value, figure(kreis, "population", "05154").value)"""


def test_a_notebook_cannot_change_the_shared_frames_of_the_next(tmp_path):
    mutate, show = notebook(tmp_path / "mutate.ipynb", MUTATE), notebook(tmp_path / "figure.ipynb", FIGURE)
    warm_kernel.shutdown()
    try:
        alone = _last_line(show, tmp_path / "alone.ipynb", {})
        warm_kernel.shutdown()
        refused = _last_line(mutate, tmp_path / "mutated.ipynb", {})
        after = _last_line(show, tmp_path / "after.ipynb", {})
    finally:
        warm_kernel.shutdown()
    assert refused[0] == "2" and "read-only" in " ".join(refused)
    assert after == alone


GENERATIONS = """import gc
from helpers.briefings.context import Context
from helpers.briefings.kommune_profil.figures import ProfileFigures
Context[ProfileFigures]  # as the briefing modules do: typing caches the subscripted class
gc.collect()
print(sum(isinstance(o, type) and (o.__module__, o.__name__) == (Context.__module__, "Context")
          for o in gc.get_objects()))"""


def test_the_modules_a_reset_drops_are_freed(tmp_path):
    """Each notebook imports the helpers modules afresh; the ones before must not stay alive (through
    typing's cache of subscripted generics they did, with all they held: ~2 MB per notebook)."""
    nb = notebook(tmp_path / "generations.ipynb", GENERATIONS)
    warm_kernel.shutdown()
    try:
        alive = [_last_line(nb, tmp_path / f"run{i}.ipynb", {}) for i in range(4)]
    finally:
        warm_kernel.shutdown()
    assert alive[1] == alive[2] == alive[3], alive


def _last_line(nb, out, parameters: dict) -> list[str]:
    """The words the notebook's last cell printed, run on this process's warm kernel."""
    done = papermill.execute_notebook(nb, out, parameters=parameters, engine_name=warm_kernel.ENGINE_NAME,
                                      kernel_name=KERNEL_NAME, progress_bar=False)
    return "".join(output.get("text", "") for output in done.cells[-1].outputs).split()  # print may arrive in pieces


KREIS_RESULTS = """from helpers.briefings.context import load
from helpers.data import store
from helpers.indicators import peers, queries
data = load("05154", None, "de")
known = {key[0] for key in store.derived(data.obs)} >= {"peers"}
found = peers.of_kreis(data.obs, "05154")
facts = queries.facts_about(queries.facts_of(data.facts, "05154036"), "fluag_quota_fulfilment")
print(known, isinstance(found, peers.Peers), id(found.table), id(found.neighbours), id(facts))"""


def test_the_kreis_s_similar_kommunen_and_facts_are_found_again_after_the_reset(tmp_path):
    """Computed by a Kreis's first notebook and taken by the next one after the reset re-imported their
    modules: plain parts in the memo, a ``Peers`` of the new module handed out."""
    nb = notebook(tmp_path / "kreis.ipynb", KREIS_RESULTS)
    warm_kernel.shutdown()
    try:
        first, second = (_last_line(nb, tmp_path / f"{name}.ipynb", {"kommune": name}) for name in ("Kleve", "Goch"))
    finally:
        warm_kernel.shutdown()
    assert first[:2] == ["False", "True"] and second[:2] == ["True", "True"]
    assert first[2:] == second[2:]  # the same table, neighbours and facts, not computed again
