"""Flat CSV tables of the Zensus 2022 database (ergebnisse.zensus2022.de).

The same flat layout as GENESIS-Online (new header) with table codes like ``1000A-2022``,
regional dimensions ``GEO…`` holding 12-digit ARS, and a ``value_q`` quality column; read by
the flat reader, told apart only so the provenance says where the file came from.
"""
from __future__ import annotations

import re

from helpers.ingest import genesis_flat
from helpers.ingest.common import Extract

FORMAT = "zensus_flat"


def detect(text: str) -> bool:
    if not genesis_flat.detect(text):
        return False
    first_row = text.lstrip("\ufeff").splitlines()[1:2]
    return bool(first_row) and bool(re.match(r"^\d{4}[A-Z];", first_row[0]))


def read(text: str, table: str | None = None, reference_date: str | None = None, filename: str = "",
         regions=None) -> Extract:
    return genesis_flat.read(text, table, reference_date, filename, fmt=FORMAT)
