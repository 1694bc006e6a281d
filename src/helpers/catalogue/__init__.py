"""The YAML catalogues (``indicators.yaml``, ``tables.yaml``, ``checks.yaml``) are read through pydantic models.

Each catalogue's models live in a schema module beside the code that uses it (e.g.
``helpers.indicators.catalogue_schema``); this module holds what they share: a strict base model (an
unknown key is a typo, not an extension) and :func:`load`, which turns a ``ValidationError`` into one
German message per problem — file, entry, field and what to do — instead of pydantic's English dump.
A warm kernel imports the package afresh for every notebook: ``load`` validates a file once per
content (``memo.VALIDATED``) and imports the schema module, whose models cost 10 ms to build, only then.
"""
from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, ValidationError

from helpers.data import memo
from helpers.paths import read_yaml

# A location inside the file (e.g. ('indicators', 'population', 'value', 'variable'))
# → "Indikator 'population', Feld 'value.variable'".
Where = Callable[[Sequence[str | int]], str]

_PROBLEMS = {
    "missing": "fehlt (Pflichtangabe)",
    "extra_forbidden": "unbekannter Schlüssel (Tippfehler? Erlaubt sind nur die im Kopf der Datei beschriebenen)",
    "string_too_short": "darf nicht leer sein",
    "too_short": "darf nicht leer sein",
    "string_type": "muss ein Text sein",
    "int_type": "muss eine ganze Zahl sein",
    "int_parsing": "muss eine ganze Zahl sein",
    "int_from_float": "muss eine ganze Zahl sein",
    "float_type": "muss eine Zahl sein",
    "float_parsing": "muss eine Zahl sein",
    "bool_type": "muss true oder false sein",
    "bool_parsing": "muss true oder false sein",
    "dict_type": "muss ein Mapping sein ({schlüssel: wert})",
    "model_type": "muss ein Mapping sein ({schlüssel: wert})",
    "model_attributes_type": "muss ein Mapping sein ({schlüssel: wert})",
    "list_type": "muss eine Liste sein ([a, b])",
    "tuple_type": "muss eine Liste sein ([a, b])",
    "greater_than_equal": "ist zu klein",
}


class Strict(BaseModel):
    """A catalogue entry: an unknown key is refused (a typo must not silently drop a setting)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Text = Annotated[str, StringConstraints(min_length=1)]


def as_iso_date(value: Any) -> str:
    """A date as YAML gives it (quoted or not) → 'YYYY-MM-DD'; anything else is refused."""
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValueError(f"{value!r} ist kein Datum der Form JJJJ-MM-TT") from None


IsoDate = Annotated[str, BeforeValidator(as_iso_date)]


class CatalogueError(ValueError):
    """A catalogue is inconsistent; the message names the file, the entry, the field and the fix."""


def _problem(error: dict) -> str:
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    if error["type"] == "literal_error":
        return f"muss eines von {error['ctx']['expected'].replace(' or ', ' oder ')} sein, ist {error['input']!r}"
    return _PROBLEMS.get(error["type"], f"ist ungültig ({error['msg']})")


def dump(model: BaseModel) -> dict:
    """The keys a file sets, as plain dicts and lists (the default result of :func:`load`)."""
    return model.model_dump(exclude_unset=True)


def load(path: Path, schema: str, where: Where, context: Callable[[dict], dict] | None = None) -> Any:
    """``path`` read as YAML, validated by the model ``File`` of the module ``schema`` and turned into plain
    data by its ``plain`` (without one: the keys the file sets, :func:`dump`); :class:`CatalogueError`
    lists every problem.

    ``context`` computes what validators compare against (e.g. the declared variables) from the raw
    mapping, so a cross-reference error is reported at the entry that makes it. The result is kept per
    file's bytes, context and the code of ``schema`` and this module (``memo.VALIDATED``, across a warm
    kernel's resets); each caller gets its own copy (unpickled).
    """
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise CatalogueError(f"{path.name}: die Datei muss ein YAML-Mapping sein ({path}).")
    compared = context(raw) if context else None
    key = (Path(path).read_bytes(), pickle.dumps(compared, pickle.HIGHEST_PROTOCOL),
           Path(importlib.util.find_spec(schema).origin).read_bytes(), Path(__file__).read_bytes())
    known = memo.VALIDATED.get((str(path), schema))
    if known is None or known[0] != key:
        module = importlib.import_module(schema)
        try:
            validated = module.File.model_validate(raw, context=compared)
        except ValidationError as exc:
            lines = [f"- {where(error['loc'])}: {_problem(error)}" for error in exc.errors()]
            raise CatalogueError(
                f"{path.name} ist fehlerhaft ({path}):\n" + "\n".join(lines)
                + f"\nBitte die genannten Einträge in {path.name} korrigieren; "
                "der Kopf der Datei beschreibt jeden Schlüssel."
            ) from None
        result = getattr(module, "plain", dump)(validated)
        known = memo.VALIDATED[str(path), schema] = (key, pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
    return pickle.loads(known[1])  # noqa: S301 - pickled here, from plain data


def location(loc: Sequence[str | int], sections: dict[str, str]) -> str:
    """'Indikator 'x', Feld 'value.variable'' from a pydantic location; ``sections`` names the
    entries of each top-level section (e.g. {'indicators': 'Indikator'})."""
    parts = [str(p) for p in loc]
    if not parts:
        return "Datei"
    if parts[0] in sections and len(parts) > 1:
        entry = f"Nr. {loc[1] + 1}" if isinstance(loc[1], int) else repr(parts[1])  # list items counted from 1
        head, rest = f"{sections[parts[0]]} {entry}", parts[2:]
    else:
        head, rest = f"Abschnitt {parts[0]!r}", parts[1:]
    return head + (f", Feld {'.'.join(rest)!r}" if rest else "")
