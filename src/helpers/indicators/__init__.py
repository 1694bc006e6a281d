"""The indicator catalogue (``catalogue/indicators.yaml``) and the computation of its figures.

The catalogue is data so that a new indicator is one YAML entry; it is validated when this package
is imported, so a typo fails every notebook at once instead of silently dropping a figure.
Figures are computed from the tidy observations (``helpers.data.store.load("observations")``):

* a *value* indicator takes the published figure itself (categories summed per date and base);
* a *ratio* indicator divides two published counts of the **same** statistic and census base
  (the catalogue refuses a share whose numerator and denominator name different bases);
* a *change* indicator compares two dates of another indicator and refuses to do so across a
  change of census base (status ``not_comparable``).

Kreis and Land values come from their own published rows; only where an indicator says
``kreis_from_kommunen`` is the Kreis value recomputed from summed numerators and denominators of
all 16 Kommunen — never by averaging shares. Missing values stay missing (``None``).

``catalogue`` reads and checks the YAML, ``compute`` makes the figures, ``changes`` the change of one
between two dates, ``queries`` selects every other row a briefing shows (the rows of its Kreis, observations
that are not (yet) catalogue indicators, facts); the names used elsewhere are imported here.
"""
from __future__ import annotations

from helpers.catalogue import CatalogueError
from helpers.indicators.catalogue import (
    CATALOGUE,
    CATALOGUE_PATH,
    CURRENT_YEARS,
    LEVELS,
    ROUNDING_CLAIM,
    UNITS,
    Catalogue,
    Indicator,
    Selection,
    load_catalogue,
    rounding_violations,
)
from helpers.indicators.compute import (
    SERIES_COLUMNS,
    Comparison,
    common_dates,
    compare,
    compute_indicators,
    dated_series,
    every_series,
    figure,
    indicator_series,
)
from helpers.indicators.figure import KREIS_FROM_KOMMUNEN, PRECISIONS, Figure, coarsest
from helpers.indicators.queries import (
    azr_series,
    largest,
    latest_flag,
    nationality_rows,
    newest_complete_table,
    observation_rows,
    preferred_series,
    source_rows,
    year_end,
)

__all__ = ["CatalogueError", "CATALOGUE", "CATALOGUE_PATH", "CURRENT_YEARS", "LEVELS", "ROUNDING_CLAIM", "UNITS",
           "Catalogue", "Indicator", "Selection", "load_catalogue", "rounding_violations", "KREIS_FROM_KOMMUNEN",
           "PRECISIONS", "SERIES_COLUMNS", "Comparison", "Figure", "coarsest", "common_dates", "compare",
           "compute_indicators", "dated_series", "every_series", "figure", "indicator_series", "azr_series", "largest",
           "latest_flag", "nationality_rows", "newest_complete_table", "observation_rows", "preferred_series",
           "source_rows", "year_end"]
