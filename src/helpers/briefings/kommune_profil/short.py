"""The two-page short version of the Kommunenprofil (``notebooks/kommune_kurz.ipynb``): a title that links the
full profile, "Wo steht", the committee's goals (:mod:`helpers.briefings.goals`), the Datenlage in one line per
Handlungsfeld, and the sources these cite — the same figures as the profile, from the same ``setup``."""
from __future__ import annotations

import pandas as pd

from helpers.briefings.document import Block, heading, markdown, sources_section
from helpers.briefings.goals import goal_blocks
from helpers.briefings.kommune_profil.datenlage import availability, gap_comparisons
from helpers.briefings.kommune_profil.sections import Profile
from helpers.briefings.kommune_profil.standing import wo_steht
from helpers.indicators import CATALOGUE
from helpers.presentation import narrative, payloads

KIND = "kommune_kurz"  # the BRIEFING payload's kind: the index links it beside its profile


def _span(p: Profile) -> str:
    """The years of the figures it shows ("Zahlen von 2011 bis 2025 …"): those of "Wo steht"."""
    return narrative.span_text([pl.own.date for pl in p.figures.placings if pl.own.date is not None], p.sprache)


def title(p: Profile) -> list[Block]:
    """H1, the span of dates and the link to the full profile (same folder, same language)."""
    span = _span(p)
    return [heading(p.t("profil_short_title", kommune=p.region.name), 1),
            markdown(p.t("profil_short_intro", span=span, erstellt=p.created.strftime("%d.%m.%Y, %H:%M"),
                         href=profile_href(p)))]


def profile_href(p: Profile) -> str:
    return f"kommune_{p.region.ags}_{p.region.slug}.html"


def field_lines(p: Profile) -> list[str]:
    """One line per Handlungsfeld: how many of its indicators are known for the Kommune, only older, only for
    the Kreis, missing (changes left out, as in the Datenlage)."""
    lines = []
    for key in CATALOGUE.handlungsfelder:
        found = pd.Series([availability(p, c) for c in gap_comparisons(p) if c.indicator.handlungsfeld == key],
                          dtype=str).value_counts()
        lines.append(p.t("profil_short_field", field=CATALOGUE.field_label(key, p.sprache), total=int(found.sum()),
                         known=int(found.get("kommune", 0)), older=int(found.get("older", 0)),
                         kreis_only=int(found.get("kreis", 0)), none=int(found.get("none", 0) + found.get("na", 0))))
    return lines


def datenlage(p: Profile) -> list[Block]:
    return [heading(p.t("profil_h_datalage")), markdown("\n".join(f"- {line}" for line in field_lines(p))),
            markdown(p.t("profil_short_datalage_more", href=profile_href(p)))]


def sources(p: Profile) -> list[Block]:
    return sources_section(p.t("profil_h_sources"))


def briefing_payload(p: Profile) -> payloads.Briefing:
    """The BRIEFING payload of the short version (kind ``kommune_kurz``): the index links it beside the profile."""
    statuses = {f.status for pl in p.figures.placings for f in (pl.own, pl.kreis, pl.land) if not f.missing}
    span = _span(p)
    return p.briefing(p.t("profil_short_title", kommune=p.region.name), p.figures.stand, span, p.sources.ids,
                      narrative.marker_legend(statuses, p.sprache))


SECTIONS = (("title", title), ("wo_steht", wo_steht), ("goals", goal_blocks), ("data_gaps", datenlage),
            ("sources", sources))
