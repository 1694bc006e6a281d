"""Raw files changed on purpose (hash re-signed) and broken descriptors, through the `data build` and
`data validate` command line (in this process, ``run_cli``; a link to /dev/zero in a process with a timeout).

Each must be refused with file, line and fix, exit 1 and no traceback, and leave data/processed byte-identical.
"""
import os
from functools import partial

import pytest

from .conftest import rehash, tree_hashes
from .update_support import cli

VALUES = "snapshot/values.csv"
KLEVE_2024 = "05154036,Kleve,2024-12-31,population,total,53028,"
KLEVE_DENSITY = "05154036,Kleve,2024-12-31,population_density,total,542.4,"


def _line_of(raw, text):
    lines = (raw / VALUES).read_text(encoding="utf-8").split("\n")
    return next(i for i, line in enumerate(lines) if text in line) + 1


def _values(raw):
    return (raw / VALUES).read_text(encoding="utf-8")


def _write(raw, text):
    (raw / VALUES).write_text(text, encoding="utf-8")
    rehash(raw, VALUES)


def header_only(raw):
    _write(raw, (raw / VALUES).read_text(encoding="utf-8").split("\n", 1)[0] + "\n")
    return [f"{VALUES}, Zeile 2", "nur die Kopfzeile"]


def unknown_variable(raw):
    line = _line_of(raw, KLEVE_2024)
    _write(raw, _values(raw).replace(KLEVE_2024, KLEVE_2024.replace("population", "populaton")))
    return [f"{VALUES}, Zeile {line}, Spalte variable", "populaton", "meinten Sie 'population'", "checks.yaml"]


def nul_in_name(raw):
    line = _line_of(raw, KLEVE_2024)
    _write(raw, _values(raw).replace(KLEVE_2024, KLEVE_2024.replace("Kleve", "Kle\x00ve")))
    return [f"{VALUES}, Zeile {line}, Spalte name", "Steuerzeichen '\\x00'"]


def infinite_value(raw):
    line = _line_of(raw, KLEVE_DENSITY)  # a density enters no sum check: on main, inf passed silently
    _write(raw, _values(raw).replace(KLEVE_DENSITY, KLEVE_DENSITY.replace("542.4", "inf")))
    return [f"{VALUES}, Zeile {line}, Spalte value", "'inf' ist unendlich"]


def duplicate_with_other_value(raw):
    text = (raw / VALUES).read_text(encoding="utf-8")
    line = _line_of(raw, KLEVE_2024)
    row = next(r for r in text.split("\n") if KLEVE_2024 in r)
    _write(raw, text.rstrip("\n") + "\n" + row.replace("53028", "53029") + "\n")
    return [f"{VALUES}, Zeile {line}", "dieselbe Quelle ITNRW_12411_15I_2024", "53028 und 53029"]


def broken_descriptor(raw):
    package = raw / "datapackage.json"
    package.write_bytes(package.read_bytes()[:-40])
    return ["datapackage.json ist kein lesbares JSON", "git checkout -- data/raw/datapackage.json"]


def values_is_a_folder(raw):
    (raw / VALUES).unlink()
    (raw / VALUES).mkdir()
    return [f"{VALUES}: ist ein Ordner", "git checkout -- data/raw/snapshot/values.csv"]


def values_links_to_dev_zero(raw):
    (raw / VALUES).unlink()
    os.symlink("/dev/zero", raw / VALUES)
    return [f"{VALUES}: ist eine symbolische Verknüpfung"]


BREAKAGES = [header_only, unknown_variable, nul_in_name, infinite_value, duplicate_with_other_value, broken_descriptor,
             values_is_a_folder, values_links_to_dev_zero]


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda b: b.__name__)
def test_refused_with_file_line_and_fix_and_processed_unchanged(run_cli, raw_copy, processed_copy, breakage):
    expected = breakage(raw_copy)
    before = tree_hashes(processed_copy.parent / "processed")
    # a link to /dev/zero in a process with a timeout: a regression would read it forever
    data = partial(cli, timeout=120) if breakage is values_links_to_dev_zero else partial(run_cli, "data")
    build = data("build", "--raw-dir", raw_copy, "--out-dir", processed_copy)
    assert build.returncode == 1, build.stdout + build.stderr
    assert "Traceback" not in build.stderr and "bleibt unverändert" in build.stderr
    for text in expected:
        assert text in build.stderr, build.stderr[:3000]
    assert " → " in next(line for line in build.stderr.splitlines() if expected[0] in line)  # every error names a fix
    assert tree_hashes(processed_copy) == before
    assert sorted(p.name for p in processed_copy.parent.iterdir()) == ["processed", "raw"]  # no temporary folder left
    validate = data("validate", "--raw-dir", raw_copy)
    assert validate.returncode == 1 and "Traceback" not in validate.stderr and expected[0] in validate.stdout
