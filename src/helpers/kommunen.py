"""Every Kreis and Gemeinde of NRW from the official directory, with a forgiving lookup by name or AGS.

The directory is the newest export of IT.NRW table 12411-15i (all NRW Gemeinden, population, area)
in ``data/raw``, brought in by ``data update``; no region is listed by hand. Display names follow
one rule (:func:`display_name`); ``catalogue/region_aliases.csv`` only adds other spellings.
Kreis Kleve is the default Kreis; everything else (notebooks, batch runs, charts) asks this
module, so a name is spelled in exactly one place.
"""
from __future__ import annotations

import contextlib
import csv
import difflib
import io
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from helpers.data import memo
from helpers.data.processed import DIRECTORY
from helpers.ingest import genesis_classic
from helpers.ingest.common import decode
from helpers.paths import BUILD_ENV, CATALOGUE_DIR, RAW_DIR

KREIS_AGS = "05154"
LAND_AGS = "05"
DIRECTORY_TABLE = "12411-15i"
_LEVELS = {2: "land", 5: "kreis", 8: "kommune"}  # Regierungsbezirke (3 digits) are not briefing regions
_NOTE = re.compile(r"\s*\((?:ab|bis) \d{2}\.\d{2}\.\d{4}\)|\s*\(einschl\. [^)]*\)")


class UnknownRegionError(ValueError):
    """A name or AGS that matches no region; the message suggests the closest valid names."""


class NotAKreisError(UnknownRegionError):
    """A region that exists but is no Kreis (a kreisfreie Stadt or a Gemeinde) where a Kreis is needed."""


class KreisfreieStadtError(UnknownRegionError):
    """A kreisfreie Stadt where a Gemeinde of a Kreis is needed (a Kommunenprofil): it belongs to no Kreis."""


class DirectoryMissingError(RuntimeError):
    """data/raw holds no export of the directory table."""


@dataclass(frozen=True)
class Region:
    ags: str
    name: str
    level: str  # "kommune" | "kreis" | "land"
    kind: str  # Stadt, Gemeinde, Kreis, kreisfreie Stadt, Land
    aliases: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        """Lowercase ASCII with hyphens, for file names (``emmerich-am-rhein``)."""
        return re.sub(r"[^a-z0-9]+", "-", _fold(self.name)).strip("-")

    @property
    def is_kommune(self) -> bool:
        """A Gemeinde (of a Kreis, or a kreisfreie Stadt's own Gemeinde), not a Kreis or the Land."""
        return self.level == "kommune"

    @property
    def kreis_ags(self) -> str:
        """The AGS of the Kreis (or kreisfreie Stadt) the region lies in; the Land's own AGS for NRW."""
        return self.ags[:5]


def _fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive key: 'Emmerich a. Rh.' ~ 'emmerich a rh'."""
    text = text.strip().lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s.\-_,()]+", " ", text).strip()


def display_name(official: str, ags: str) -> tuple[str, str]:
    """(display name, kind) from the directory's official name, by one rule.

    Validity and inclusion notes ('(ab 21.10.2009)', '(einschl. Stadt Aachen)') are dropped;
    'X, krfr. Stadt' is X, a kreisfreie Stadt (an 8-digit one, Aachen in the Städteregion, a Stadt);
    'X, Stadt' is the Stadt X; any other Gemeinde is a Gemeinde; 'X, Kreis' is 'Kreis X', and a name
    that already says what it is ('Rhein-Kreis Neuss', 'Städteregion Aachen') stays.
    """
    name = _NOTE.sub("", official).strip()
    level = _LEVELS.get(len(ags))
    if level == "land":
        return name, "Land"
    stem, _, suffix = name.rpartition(", ")
    if suffix == "krfr. Stadt":
        return stem, "kreisfreie Stadt" if level == "kreis" else "Stadt"
    if suffix == "Stadt":
        return stem, "Stadt"
    if level == "kommune":
        return name, "Gemeinde"
    return (f"Kreis {stem}" if suffix == "Kreis" else name), "Kreis"


_RAW = [RAW_DIR]  # the data/raw whose directory is read (a build switches it to the folder it builds)


def directory_file(raw_dir: Path | None = None) -> Path:
    """The newest directory export in ``raw_dir`` (by its newest reference date: an older vintage added later
    does not replace it); the checkout's data/raw when ``raw_dir`` holds none."""
    for folder in dict.fromkeys([raw_dir or _RAW[0], RAW_DIR]):
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        exports = [folder / r["path"] for r in package["resources"] if r.get("x_table") == DIRECTORY_TABLE]
        if exports:
            return max(exports, key=lambda path: (_newest_date(path) if len(exports) > 1 else "", path.name))
    raise DirectoryMissingError(
        f"Gemeindeverzeichnis fehlt: data/raw enthält keinen Export der Tabelle {DIRECTORY_TABLE} (IT.NRW). "
        f"Tabelle herunterladen und mit `python -m helpers data update --from ORDNER --table {DIRECTORY_TABLE}` "
        "übernehmen.")


def _newest_date(path: Path) -> str:
    return str(genesis_classic.read(decode(path.read_bytes()), table=DIRECTORY_TABLE).rows["date"].max())


def _directory_text() -> str:
    """The directory of the build a briefing run pinned (so regions never change within a run), else data/raw's."""
    pinned = os.environ.get(BUILD_ENV)
    if pinned and (Path(pinned) / DIRECTORY).is_file():
        return decode((Path(pinned) / DIRECTORY).read_bytes())
    return decode(directory_file().read_bytes())


@contextlib.contextmanager
def directory_of(raw_dir: Path):
    """Read the directory of ``raw_dir`` inside the block (a build of a staged data/raw checks its regions with it)."""
    previous, _RAW[0] = _RAW[0], Path(raw_dir)
    _forget()
    try:
        yield
    finally:
        _RAW[0] = previous
        _forget()


def _forget() -> None:
    for cached in (all_regions, _official_names, _index):
        cached.cache_clear()


def _directory() -> tuple[dict[str, str], frozenset[str], dict[str, float]]:
    """The directory's names as printed, the regions of its newest reference date not shown as '-' and
    their cadastral areas. Parsed once per text and process (``memo.REGIONS``, kept across a warm
    kernel's resets; every notebook paid 15–30 ms for it)."""
    text = _directory_text()
    if memo.REGIONS.get("text") != text:
        rows = genesis_classic.read(text, table=DIRECTORY_TABLE).rows
        newest = rows[rows["date"] == rows["date"].max()]
        area = newest[(newest["variable"] == "area_km2") & newest["value"].notna()]
        memo.REGIONS.clear()
        memo.REGIONS.update(text=text, names=genesis_classic.region_names(text),
                            alive=frozenset(newest.loc[newest["flag"] != "-", "ags"]),
                            areas=dict(zip(area["ags"], area["value"], strict=True)))
    return memo.REGIONS["names"], memo.REGIONS["alive"], memo.REGIONS["areas"]


def areas() -> dict[str, float]:
    """Cadastral area in km² of every region of the directory, by AGS (the reference for boundary files)."""
    return dict(_directory()[2])


@lru_cache(maxsize=1)
def all_regions() -> tuple[Region, ...]:
    """NRW, its Kreise and kreisfreie Städte and their Gemeinden in AGS order; regions the table shows
    only as '-' (dissolved, like the old Kreis Aachen) are left out."""
    return tuple(Region(*fields) for fields in _listed()["regions"])


def _listed() -> dict:
    """The regions as plain tuples and the lookup keys of each level (filled by :func:`_index`), kept with the
    directory's text and the aliases file (``memo.REGIONS``): every notebook of a warm kernel needs them, and
    folding some 4,000 names cost it 10 ms."""
    names, alive, _ = _directory()  # first: a new directory text clears memo.REGIONS
    aliases = (CATALOGUE_DIR / "region_aliases.csv").read_bytes()
    known = memo.REGIONS.get("listed")
    if known is None or known["aliases"] != aliases:
        rows = csv.DictReader(io.StringIO(aliases.decode("utf-8"), newline=""))
        extra = {row["ags"]: tuple(a for a in row["aliases"].split("|") if a) for row in rows}
        regions = []
        for ags, official in sorted(names.items()):
            if ags not in alive or len(ags) not in _LEVELS:
                continue
            name, kind = display_name(official, ags)
            regions.append((ags, name, _LEVELS[len(ags)], kind,
                            tuple(dict.fromkeys(a for a in (official, *extra.get(ags, ())) if a != name))))
        known = memo.REGIONS["listed"] = {"aliases": aliases, "regions": tuple(regions), "keys": {}}
    return known


@lru_cache(maxsize=1)
def _official_names() -> dict[str, str]:
    """Every name the directory prints (Regierungsbezirke and dissolved regions too) → its AGS."""
    return {official: ags for ags, official in directory_names().items()}


def directory_names() -> dict[str, str]:
    """Every AGS the directory prints (Regierungsbezirke and dissolved regions too) → its official name."""
    return dict(_directory()[0])


def resolve(name: str, within: str | None = None) -> str | None:
    """The AGS of a region as an official file names it, or None (:data:`helpers.ingest.Regions`).

    Without ``within``, ``name`` is a name as the directory prints it ('Kleve, Stadt', 'Kleve, Kreis',
    'Düsseldorf, Regierungsbezirk'), matched exactly. With ``within`` (the Kreis as a list prints it:
    'Kreis Kleve', 'Stadt Leverkusen', 'Märkischen Kreis'), ``name`` is a Gemeinde of that Kreis, matched
    like :func:`region` (aliases in catalogue/region_aliases.csv); a kreisfreie Stadt is its own Gemeinde.
    """
    if within is None:
        return _official_names().get(name.strip())
    home = _index("kreis").get(_fold(within)) or _index("kreis").get(_fold(re.sub(r"^\s*Stadt\s+", "", within)))
    if home is None:
        return None
    if home.kind != "Kreis":
        return home.ags if _index("kreis").get(_fold(name)) == home else None
    found = _index("kommune").get(_fold(name))
    if found is not None and found.kreis_ags == home.ags:
        return found.ags
    local = {_fold(key): r.ags for r in kommunen(home.ags) for key in (r.name, *r.aliases)}
    return local.get(_fold(name))


def kommunen(kreis: str | int = KREIS_AGS) -> tuple[Region, ...]:
    """The Gemeinden of a Kreis (default Kreis Kleve: its 16 Kommunen) in official (AGS) order."""
    home = _find_kreis(kreis)
    return tuple(r for r in all_regions() if r.level == "kommune" and r.kreis_ags == home.ags)


def kreise() -> tuple[Region, ...]:
    """The Kreise of NRW in AGS order (the Städteregion Aachen counts; kreisfreie Städte are no Kreise)."""
    return tuple(r for r in all_regions() if r.kind == "Kreis")


def kreis(name_or_key: str | int = KREIS_AGS) -> Region:
    """A Kreis by name or AGS ('Kreis Viersen', 'viersen', '05166'); Kreis Kleve by default.

    Raises :class:`NotAKreisError` for a kreisfreie Stadt or a Gemeinde, naming what it is.
    """
    return _find_kreis(name_or_key)


def land() -> Region:
    return region(LAND_AGS)


def _find_kreis(name_or_key: str | int) -> Region:
    try:
        found = region(name_or_key, level="kreis")
    except UnknownRegionError:
        other = _lookup(name_or_key, None)
        if other is None or other.level != "kommune":
            raise
        home = region(other.kreis_ags)
        raise NotAKreisError(f"{other.name} ({other.ags}) ist eine Gemeinde, kein Kreis. "
                             f"Meinten Sie {home.name!r} ({home.ags})?") from None
    if found.kind != "Kreis":
        near = [r for r in kreise() if r.ags[:3] == found.ags[:3]]
        raise NotAKreisError(f"{found.name} ({found.ags}) ist eine kreisfreie Stadt, kein Kreis: sie hat keine "
                             f"kreisangehörigen Gemeinden. Meinten Sie einen Kreis im selben Regierungsbezirk: "
                             f"{', '.join(f'{r.name} ({r.ags})' for r in near)}?")
    return found


def _short_forms(r: Region) -> tuple[str, ...]:
    """'Viersen' and 'Landkreis Viersen' for Kreis Viersen, 'Aachen' for the Städteregion Aachen."""
    stem = re.sub(r"^(?:Kreis|Städteregion) ", "", r.name)
    return (stem, f"Landkreis {stem}") if stem != r.name else ()


@cache
def _index(level: str | None) -> dict[str, Region]:
    """Keys → region; names and aliases come before a Kreis's short form, so 'Kleve' is the Stadt."""
    regions = all_regions()
    by_ags = {r.ags: r for r in regions}
    keys = _listed()["keys"]
    if level not in keys:
        candidates = [r for r in regions if level is None or r.level == level]
        index: dict[str, str] = {r.ags: r.ags for r in candidates}
        for r in candidates:
            for key in (r.name, *r.aliases):
                index.setdefault(_fold(key), r.ags)
        for r in candidates:
            for key in _short_forms(r):
                index.setdefault(_fold(key), r.ags)
        keys[level] = index
    return {key: by_ags[ags] for key, ags in keys[level].items()}


def _normalise_ags(value: str) -> str | None:
    """'5154036', ' 05154036 ' and '05 1 54 036' all mean 05154036."""
    digits = re.sub(r"\s+", "", value)
    if not digits.isdigit():
        return None
    for width in (8, 5, 2):
        if len(digits) in (width, width - 1):
            return digits.zfill(width)
    return digits


def _lookup(name_or_ags: str | int, level: str | None) -> Region | None:
    if isinstance(name_or_ags, bool) or not isinstance(name_or_ags, (str, int)):
        return None
    text = str(name_or_ags)
    ags = _normalise_ags(text)
    return _index(level).get(ags) if ags else _index(level).get(_fold(text))


def region(name_or_ags: str | int, *, level: str | None = None) -> Region:
    """Find a region by name or AGS, forgiving case, spaces, umlauts and a lost leading zero.

    ``level`` restricts the answer (e.g. ``"kommune"`` for a Kommunenprofil, ``"kreis"``).
    Raises :class:`UnknownRegionError` with suggestions and valid names.
    """
    found = _lookup(name_or_ags, level)
    if found is not None:
        return found
    if level == "kommune" and (city := _kreisfreie_stadt(name_or_ags)) is not None:
        raise KreisfreieStadtError(
            f"{city.name} ({city.ags}) ist eine kreisfreie Stadt, keine Gemeinde eines Kreises: "
            f"Kommunenprofile gibt es für die Gemeinden der {len(kreise())} Kreise, Kreisübersicht und Vergleich "
            f"für die Kreise. Die amtlichen Zahlen von {city.name} stehen mit der AGS {city.ags} in data/processed "
            "(z. B. Bevölkerung und Fläche aus IT.NRW 12411-15i) und lassen sich in JupyterLab auswerten "
            "(notebooks/explore/datenzugang.ipynb).")
    candidates = [r for r in all_regions() if level is None or r.level == level]
    if isinstance(name_or_ags, bool) or not isinstance(name_or_ags, (str, int)):
        raise UnknownRegionError(
            f"Kommune muss als Name oder AGS angegeben werden, nicht als {type(name_or_ags).__name__} "
            f"({name_or_ags!r}). Gültig: {_valid(candidates)}.")
    raise UnknownRegionError(_unknown_message(str(name_or_ags), candidates, level))


def _kreisfreie_stadt(name_or_ags: str | int) -> Region | None:
    """The kreisfreie Stadt meant by a name or AGS (also its 8-digit AGS with Gemeindenummer 000), or None."""
    text = str(name_or_ags) if isinstance(name_or_ags, (str, int)) and not isinstance(name_or_ags, bool) else ""
    ags = _normalise_ags(text)
    found = _lookup(ags[:5] if ags and len(ags) == 8 and ags.endswith("000") else text, "kreis") if text else None
    return found if found is not None and found.kind == "kreisfreie Stadt" else None


def _valid(candidates: list[Region]) -> str:
    """All valid names when few; else those of Kreis Kleve, saying that every NRW region can be asked for."""
    if len(candidates) <= 60:
        return ", ".join(f"{r.name} ({r.ags})" for r in candidates)
    local = [r for r in candidates if r.ags.startswith(KREIS_AGS)]
    return (", ".join(f"{r.name} ({r.ags})" for r in local)
            + f" und alle weiteren {len(candidates) - len(local)} Regionen Nordrhein-Westfalens (Name oder AGS)")


def _unknown_message(text: str, candidates: list[Region], level: str | None) -> str:
    if level == "kreis":  # a kreisfreie Stadt would only lead to NotAKreisError
        candidates = [r for r in candidates if r.kind == "Kreis"]
    keys = {_fold(k): r.name for r in candidates for k in (r.name, *r.aliases, *_short_forms(r))}
    close = difflib.get_close_matches(_fold(text), list(keys), n=3, cutoff=0.6)
    suggestions = list(dict.fromkeys(keys[c] for c in close))
    hint = f" Meinten Sie {' oder '.join(repr(s) for s in suggestions)}?" if suggestions else ""
    what = "Unbekannter Kreis" if level == "kreis" else "Unbekannte Kommune"
    return f"{what} {text.strip()!r}.{hint} Gültig sind: {_valid(candidates)}."


def kreis_phrases(kreis_region: Region, sprache: str = "de") -> dict[str, str]:
    """The Kreis name as a sentence needs it, by rule, for texts written once for every Kreis:
    ``kreis`` (Kreis Wesel), ``im_kreis`` (im Kreis Wesel, im Märkischen Kreis, in der Städteregion
    Aachen) and ``des_kreises`` (des Kreises Wesel, des Hochsauerlandkreises, der Städteregion Aachen)."""
    name = kreis_region.name
    if sprache != "de":
        return {"kreis": name, "im_kreis": f"in {name}", "des_kreises": f"of {name}"}
    if name.startswith("Städteregion "):
        return {"kreis": name, "im_kreis": f"in der {name}", "des_kreises": f"der {name}"}
    if name.startswith("Kreis "):
        return {"kreis": name, "im_kreis": f"im {name}", "des_kreises": f"des Kreises {name[len('Kreis '):]}"}
    # "Märkischer Kreis" → "im Märkischen Kreis"; "Rhein-Kreis Neuss" → "des Rhein-Kreises Neuss";
    # "Hochsauerlandkreis" → "des Hochsauerlandkreises"
    dative = re.sub(r"er (Kreis)\b", r"en \1", name)
    genitive = re.sub(r"([Kk]reis)\b", r"\1es", dative, count=1)
    return {"kreis": name, "im_kreis": f"im {dative}", "des_kreises": f"des {genitive}"}
