"""A warm kernel's next notebook of the same Kreis reuses the tables and figures of the one before
(helpers.data.memo survives the reset), while every other helpers module starts afresh."""
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
