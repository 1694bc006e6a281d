"""What a reader must find on a page, computed independently of the page: from the data via
helpers.indicators and formatted with helpers.fmt (the same rules the notebooks use)."""
from __future__ import annotations

import re

from helpers import data, fmt
from helpers import indicators as ind
from helpers.kommunen import region


def normalise(text: str) -> str:
    """Non-breaking and narrow spaces as plain spaces (browsers report either)."""
    return re.sub(r"[\u00a0\u202f]", " ", text)


def key_figure_strings(kommune: str) -> dict[str, str]:
    """{indicator id: formatted value} for the catalogue's key figures that exist for the
    Kommune (level values and shares; changes are skipped, their sign style is the notebook's)."""
    obs = data.load("observations")
    ags = region(kommune, level="kommune").ags
    expected = {}
    for indicator_id in ind.CATALOGUE.key_figures:
        indicator = ind.CATALOGUE[indicator_id]
        if getattr(indicator, "change", None):
            continue
        figure = ind.figure(obs, indicator_id, ags)
        if figure.value is None:
            continue
        if indicator.unit == "percent":
            expected[indicator_id] = fmt.format_percent(figure.value, indicator.decimals)
        else:
            expected[indicator_id] = fmt.format_number(figure.value, indicator.decimals)
    return {key: normalise(value) for key, value in expected.items()}
