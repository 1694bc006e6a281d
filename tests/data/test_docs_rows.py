"""data/processed/README.md states the row counts of a build of the committed data: they must be the real ones
(a data update that changes them updates the README in the same commit)."""
import re

from helpers.data import build, store
from helpers.paths import ROOT

README = ROOT / "data" / "processed" / "README.md"
ROW = re.compile(r"^\| `(\w+)\.parquet` \| ([\d,]+) \|", re.M)


def test_documented_row_counts_are_those_of_the_build(built_once):
    documented = {name: int(count.replace(",", "")) for name, count in ROW.findall(README.read_text(encoding="utf-8"))}
    assert set(documented) == set(build.TABLES), documented  # every table of a build, no other
    assert documented == store.manifest(built_once)["rows"], "data/processed/README.md: Zeilenzahlen anpassen"


def test_the_row_pattern_reads_the_table():
    assert ROW.findall("| `observations.parquet` | 58,670 | the tidy long table |") == [("observations", "58,670")]
