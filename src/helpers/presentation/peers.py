"""The words of "Ähnliche Kommunen": each feature named with the dates it was taken on, and the features with
their sources for the method sentences of the Kommunenvergleich and of "Wo steht" (so a reader of any Kreis
reads what was actually compared there)."""
from __future__ import annotations

import pandas as pd

from helpers import fmt
from helpers.i18n import t
from helpers.indicators.peers import Feature, Peers
from helpers.presentation.sources import short_names


def _when(feat: Feature, dates: tuple[pd.Timestamp, ...], sprache: str) -> str:
    """" 31.12.2024", or for growth " 2011–2015" (from year end to year end: the years); "" without dates."""
    days = sorted(dates)
    if feat.growth and days and all(d.month == 12 and d.day == 31 for d in days):
        return " " + "–".join(str(d.year) for d in days)
    return (" " + "–".join(fmt.format_date(d.date(), sprache) for d in days)) if days else ""


def feature_label(feat: Feature, dates: tuple[pd.Timestamp, ...], sprache: str, unit: bool = True) -> str:
    """A feature with its dates: "Einwohner 31.12.2024", "Bevölkerungsentwicklung 2011–2015 in %" (the column
    heading; in a sentence without the unit)."""
    return t(f"similar_feat_{feat.key}", sprache, when=_when(feat, dates, sprache),
             unit=t("similar_unit_percent", sprache) if unit else "")


def features_text(peers: Peers, sprache: str) -> str:
    """"Einwohner 31.12.2024, …, Bevölkerungsentwicklung 2011–2015 und Ausländeranteil Zensus 2011": the
    features actually compared, with their dates."""
    return fmt.format_list([feature_label(f, peers.dates[f.key], sprache, unit=False) for f in peers.features],
                           sprache)


def sources_text(peers: Peers) -> str:
    """"IT.NRW 12411-15i; … (Regionalstatistik) 12411-01-01-5, 12111-01-01-5": where the features come from."""
    return "; ".join(short_names(peers.source_ids))


def missing_text(peers: Peers, sprache: str) -> str:
    """The features the data lack for some Kommune, by name."""
    return fmt.format_list([feature_label(f, (), sprache, unit=False) for f in peers.missing], sprache)
