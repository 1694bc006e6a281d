"""The 16 Kommunen of Kreis Kleve, the Kreis and NRW, with a forgiving lookup by name or AGS.

The table lives in ``catalogue/regions.csv``; everything else (notebooks, batch runs,
charts) asks this module, so a name is spelled in exactly one place.
"""
from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from helpers.paths import CATALOGUE_DIR

KREIS_AGS = "05154"
LAND_AGS = "05"


class UnknownRegionError(ValueError):
    """A name or AGS that matches no region; the message suggests the closest valid names."""


@dataclass(frozen=True)
class Region:
    ags: str
    name: str
    level: str  # "kommune" | "kreis" | "land"
    kind: str  # Stadt, Gemeinde, Kreis, Land
    aliases: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        """Lowercase ASCII with hyphens, for file names (``emmerich-am-rhein``)."""
        return re.sub(r"[^a-z0-9]+", "-", _fold(self.name)).strip("-")


def _fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive key: 'Emmerich a. Rh.' ~ 'emmerich a rh'."""
    text = text.strip().lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s.\-_,()]+", " ", text).strip()


@lru_cache(maxsize=1)
def all_regions() -> tuple[Region, ...]:
    with open(CATALOGUE_DIR / "regions.csv", encoding="utf-8", newline="") as handle:
        return tuple(
            Region(
                ags=row["ags"],
                name=row["name"],
                level=row["level"],
                kind=row["kind"],
                aliases=tuple(a for a in row["aliases"].split("|") if a),
            )
            for row in csv.DictReader(handle)
        )


def kommunen() -> tuple[Region, ...]:
    """The 16 Kommunen in official (AGS) order."""
    return tuple(r for r in all_regions() if r.level == "kommune")


def kreis() -> Region:
    return region(KREIS_AGS)


def land() -> Region:
    return region(LAND_AGS)


@lru_cache(maxsize=1)
def _index() -> dict[str, Region]:
    index: dict[str, Region] = {}
    for r in all_regions():
        index[r.ags] = r
        for key in (r.name, *r.aliases):
            index[_fold(key)] = r
    return index


def _normalise_ags(value: str) -> str | None:
    """'5154036', ' 05154036 ' and '05 1 54 036' all mean 05154036."""
    digits = re.sub(r"\s+", "", value)
    if not digits.isdigit():
        return None
    for width in (8, 5, 2):
        if len(digits) in (width, width - 1):
            return digits.zfill(width)
    return digits


def region(name_or_ags: str | int, *, level: str | None = None) -> Region:
    """Find a region by name or AGS, forgiving case, spaces, umlauts and a lost leading zero.

    ``level`` restricts the answer (e.g. ``"kommune"`` for a Kommunenprofil).
    Raises :class:`UnknownRegionError` with suggestions and the list of valid names.
    """
    candidates = [r for r in all_regions() if level is None or r.level == level]
    if isinstance(name_or_ags, bool) or not isinstance(name_or_ags, (str, int)):
        raise UnknownRegionError(
            f"Kommune muss als Name oder AGS angegeben werden, nicht als {type(name_or_ags).__name__} "
            f"({name_or_ags!r}). Gültig: {', '.join(r.name for r in candidates)}."
        )
    text = str(name_or_ags)
    ags = _normalise_ags(text)
    found = _index().get(ags) if ags else _index().get(_fold(text))
    if found is not None and (level is None or found.level == level):
        return found
    raise UnknownRegionError(_unknown_message(text, candidates))


def _unknown_message(text: str, candidates: list[Region]) -> str:
    keys = {_fold(k): r.name for r in candidates for k in (r.name, *r.aliases)}
    close = difflib.get_close_matches(_fold(text), list(keys), n=3, cutoff=0.6)
    suggestions = list(dict.fromkeys(keys[c] for c in close))
    hint = f" Meinten Sie {' oder '.join(repr(s) for s in suggestions)}?" if suggestions else ""
    valid = ", ".join(f"{r.name} ({r.ags})" for r in candidates)
    return f"Unbekannte Kommune {text.strip()!r}.{hint} Gültig sind: {valid}."
