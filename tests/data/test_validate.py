"""`data validate` / `data build` on deliberately broken copies of data/raw.

Each broken copy must give a readable report (file, row, column, problem, fix), a non-zero exit,
and leave an existing data/processed byte-identical.
"""
import subprocess
import sys

import pandas as pd
import pytest

from helpers.data import build, datapackage, store, validation
from helpers.data.validation import DataError
from helpers.paths import RAW_DIR

from .conftest import rehash, tree_hashes
from .update_support import without_exports

VALUES = "snapshot/values.csv"


def _rewrite_line(raw, relative, match, change):
    """Apply `change` to the first line of a raw file that contains `match`, re-hash it; returns the line number."""
    path = raw / relative
    lines = path.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if match in line)
    lines[number] = change(lines[number])
    path.write_text("\n".join(lines), encoding="utf-8")
    rehash(raw, relative)
    return number + 1


def _edit_line(raw, relative, match, old, new):
    """Replace `old` by `new` in the first line of a raw file that contains `match`; returns its line number."""
    def replace(line):
        assert old in line
        return line.replace(old, new, 1)
    return _rewrite_line(raw, relative, match, replace)


def _set_value(raw, match, value):
    """Put `value` into the value column of the first values.csv line that contains `match`."""
    def put(line):
        cells = line.split(",")
        cells[5] = value
        return ",".join(cells)
    return _rewrite_line(raw, VALUES, match, put)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "helpers", "data", *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def _errors(raw, check):
    report = build.validate(raw)
    return [i for i in report.errors if i.check == check]


def test_committed_raw_data_validate_without_errors():
    report = build.validate()
    assert report.ok, report.format()
    counts = report.counts_by_check()
    assert counts[("warning", "conflict")] == 13  # + 3 pairs on two census bases (12411-01-01-5 vs press 2012/2013)
    assert counts[("warning", "sum_to_kreis_explained")] == 37  # 28 in the snapshot, 9 again in the statewide exports


def test_third_party_figure_marked_published_is_an_error(raw_copy):
    """Wikipedia, citypopulation.de and research compilations are `secondary`, never `published`."""
    line = _edit_line(raw_copy, VALUES, "05154028,Kerken,2020-12-31,population,total", ",secondary,", ",published,")
    [issue] = _errors(raw_copy, "status_family")
    assert (issue.row, issue.column) == (line, "status") and "WIKI_KREIS_2020" in issue.problem


def test_no_third_party_figure_is_published_in_the_committed_data():
    obs = store.load("observations")
    families = store.load("sources").set_index("source_id")["family"]
    third_party = obs[obs["source_id"].map(families) == "third_party"]
    assert len(third_party) > 100 and "published" not in set(third_party["status"])


def test_unrecorded_same_key_disagreement_is_an_error(raw_copy):
    """A second source with another value for a key is an error until CONFLICTS.csv records it with a reason."""
    without_exports(raw_copy, "22811-05i")  # the snapshot's own pair, without the export's third copy
    _set_value(raw_copy, "05154036,Kleve,2024-12-31,asylblg_recipients,total", "230")
    _rewrite_line(raw_copy, VALUES, "05154036,Kleve,2024-12-31,asylblg_recipients,total",
                  lambda line: line + "\n" + line.replace(",230,", ",225,").replace("ITNRW_22811_05I_2024", "AN_ASYLBLG_KK"))
    [issue] = _errors(raw_copy, "conflict_unrecorded")
    assert "05154036" in issue.problem and "230" in issue.problem and "CONFLICTS.csv" in issue.fix


def test_recorded_conflict_needs_a_reason(raw_copy):
    """Deleting the curated reason of a listed pair (asylum-benefit recipients Kreis 2024) turns it into an error."""
    without_exports(raw_copy, "22811-05i")
    _rewrite_line(raw_copy, "snapshot/CONFLICTS.csv", "05154,Kreis Kleve,2024-12-31,asylblg_recipients,total,2060",
                  lambda line: line.rsplit(',"', 1)[0] + ",")
    [issue] = _errors(raw_copy, "conflict_unrecorded")
    assert "3645" in issue.problem and "2060" in issue.problem


def test_conflicts_table_carries_the_reason():
    conflicts = store.load("conflicts")
    asyl = conflicts[(conflicts["ags"] == "05154") & (conflicts["variable"] == "asylblg_recipients")]
    assert sorted(set(asyl["value"])) == [2060, 3645]  # 3645 twice: the snapshot's transcription and the export
    assert asyl["reason"].str.contains("reception facilities").all()
    assert asyl.loc[asyl["preferred"], "source_id"].str.startswith("ITNRW_22811_05I_2026").tolist() == [True]
    assert (conflicts["reason"] != "").all()


def test_wrong_ags(raw_copy):
    line = _edit_line(raw_copy, VALUES, "05154004,Bedburg-Hau,2024-12-31,population,total", "05154004", "05154099")
    [issue] = _errors(raw_copy, "ags_known")
    assert (issue.file, issue.row, issue.column) == (VALUES, line, "ags") and "05154099" in issue.problem


def test_text_in_value_column(raw_copy):
    line = _edit_line(raw_copy, VALUES, "05154004,Bedburg-Hau,2024-12-31,population,total", ",13599,", ",viele,")
    [issue] = _errors(raw_copy, "value_numeric")
    assert (issue.row, issue.column) == (line, "value") and "viele" in issue.problem


def test_unknown_source(raw_copy):
    _edit_line(raw_copy, VALUES, "05154004,Bedburg-Hau,2024-12-31,population,total", "ITNRW_12411_15I_2024", "NOPE_2024")
    [issue] = _errors(raw_copy, "source_known")
    assert "NOPE_2024" in issue.problem and "sources.csv" in issue.fix


def test_share_of_140(raw_copy):
    line = _set_value(raw_copy, "05154036,Kleve,2022-05-15,foreign_population_share", "140")
    [issue] = _errors(raw_copy, "share_range")
    assert issue.row == line and "140" in issue.problem


def test_foreigners_above_population_on_the_same_base(raw_copy):
    without_exports(raw_copy, "12111-01-01-5")  # else the export's own population row is compared too
    line = _set_value(raw_copy, "05154036,Kleve,2011-05-09,foreign_population,total", "60000")
    [issue] = _errors(raw_copy, "part_of_whole")
    assert issue.row == line and "census_2011" in issue.problem


def test_unknown_source_in_facts(raw_copy):
    _edit_line(raw_copy, "snapshot/facts.csv", "NRZ2024_ASYL", "NRZ2024_ASYL", "NRZ2099_ASYL")
    [issue] = _errors(raw_copy, "source_known")
    assert issue.file == "snapshot/facts.csv" and "NRZ2099_ASYL" in issue.problem


def test_quota_above_100_is_not_a_share():
    """FlüAG quota fulfilment of 123 % (Kleve) is in the committed data and passes."""
    obs = store.load("observations")
    assert obs[obs["variable"] == "fluag_quota_fulfilment_pct"]["value"].max() > 100


def test_sum_mismatch_on_an_exact_variable(raw_copy):
    _edit_line(raw_copy, VALUES, "05154004,Bedburg-Hau,2024-12-31,population,total", ",13599,", ",13699,")
    [issue] = _errors(raw_copy, "sum_to_kreis")
    assert "Differenz +100" in issue.problem and "322018" in issue.problem


def test_truncated_file(raw_copy):
    path = raw_copy / VALUES
    head = path.read_bytes()[:200_000].rsplit(b"\n", 1)[0]  # whole lines, then the last one cut short
    path.write_bytes(head.rsplit(b"\n", 1)[0] + b"\n" + head.rsplit(b"\n", 1)[1].split(b",")[0] + b",")
    rehash(raw_copy, VALUES)
    issues = _errors(raw_copy, "schema")
    assert issues and "abgeschnitten" in issues[-1].problem and issues[-1].row > 800


def test_wrong_encoding(raw_copy):
    path = raw_copy / VALUES
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252", errors="replace"))
    rehash(raw_copy, VALUES)
    [issue] = _errors(raw_copy, "encoding")
    assert issue.row > 1 and "utf-8" in issue.problem


def test_schema_breaking_header(raw_copy):
    _edit_line(raw_copy, VALUES, "ags,name,date", "variable", "merkmal")
    issue = _errors(raw_copy, "schema")[0]
    assert (issue.file, issue.row) == (VALUES, 1) and "merkmal" in issue.problem


def test_raw_file_edited_without_import_fails_the_hash_check(raw_copy):
    path = raw_copy / VALUES
    path.write_text(path.read_text(encoding="utf-8").replace(",13599,", ",13598,"), encoding="utf-8")
    [issue] = _errors(raw_copy, "provenance")
    assert issue.file == VALUES and "Hash weicht" in issue.problem and "git checkout" in issue.fix


def test_file_without_record_fails(raw_copy):
    (raw_copy / "snapshot" / "extra.csv").write_text("a,b\n1,2\n")
    [issue] = _errors(raw_copy, "provenance")
    assert issue.file == "snapshot/extra.csv" and "ohne Eintrag" in issue.problem


@pytest.mark.parametrize("breakage", ["ags", "encoding", "truncate"])
def test_cli_exits_non_zero_and_processed_stays_byte_identical(raw_copy, processed_copy, breakage):
    if breakage == "ags":
        _edit_line(raw_copy, VALUES, "05154004,Bedburg-Hau,2024-12-31,population,total", "05154004", "05154099")
    elif breakage == "encoding":
        (raw_copy / VALUES).write_bytes((raw_copy / VALUES).read_text(encoding="utf-8").encode("cp1252", "replace"))
    else:
        (raw_copy / VALUES).write_bytes((raw_copy / VALUES).read_bytes()[:5000])
    before = tree_hashes(processed_copy.parent)
    build = _cli("build", "--raw-dir", raw_copy, "--out-dir", processed_copy)
    assert tree_hashes(processed_copy.parent) == before
    assert build.returncode == 1 and "bleibt unverändert" in build.stderr
    validate = _cli("validate", "--raw-dir", raw_copy)
    assert validate.returncode == 1 and "FEHLER" in validate.stdout and "snapshot/values.csv" in validate.stdout


def test_failure_while_writing_keeps_processed_byte_identical(raw_copy, processed_copy, monkeypatch):
    """The atomic swap: a crash after some Parquet files are written changes nothing."""
    _edit_line(raw_copy, VALUES, "05154004,Bedburg-Hau,2024-12-31,population,total", "Landesdatenbank", "Landesdatenbank (edited)")
    before = tree_hashes(processed_copy.parent)
    calls = []
    original = pd.DataFrame.to_parquet

    def crash_on_third(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full (simulated)")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", crash_on_third)
    with pytest.raises(OSError, match="simulated"):
        build.build(raw_copy, processed_copy)
    assert tree_hashes(processed_copy.parent) == before  # also: no temporary folder left behind


def test_successful_build_swaps_and_keeps_committed_readme(raw_copy, processed_copy):
    build.build(raw_copy, processed_copy)
    assert (processed_copy / "README.md").read_text() == "kept across builds\n"
    assert sorted(p.name for p in processed_copy.parent.iterdir()) == ["processed", "raw"]


def test_build_error_raises_data_error_with_report(raw_copy, tmp_path):
    _edit_line(raw_copy, VALUES, "05154004,Bedburg-Hau,2024-12-31,population,total", "05154004", "05154099")
    with pytest.raises(DataError) as caught:
        build.build(raw_copy, tmp_path / "out")
    assert not (tmp_path / "out").exists() and caught.value.report.errors


def test_every_raw_file_has_a_record_with_matching_hash():
    from helpers.paths import RAW_DIR

    assert datapackage.provenance_problems(RAW_DIR) == []
    package = datapackage.read_package(RAW_DIR)
    for resource in package["resources"]:
        assert resource["hash"] == datapackage.file_hash(RAW_DIR / resource["path"])
        assert resource["licenses"] and resource.get("x_publisher") and resource.get("title")


def test_committed_raw_files_follow_their_table_schemas():
    """Frictionless finds nothing in the committed files (``data validate`` runs it)."""
    report = validation.Report()
    validation.check_schemas(RAW_DIR, report)
    assert report.issues == []


def test_a_schema_violation_is_reported_with_file_row_and_column(raw_copy):
    """A date that is no date, in values.csv: Frictionless' finding enters the project's report."""
    line = _edit_line(raw_copy, VALUES, "05154048,Rheurdt,2024-12-31,minimum_benefit_recipients,total",
                      "2024-12-31", "2024-13-31")
    report = validation.Report()
    validation.check_schemas(raw_copy, report)
    [issue] = [i for i in report.errors if i.check == "schema"]
    assert (issue.file, issue.row, issue.column) == (VALUES, line, "date")
    assert issue.problem.startswith("Tabellenschema verletzt")


def test_a_total_that_contradicts_its_table_rule_is_an_error(raw_copy):
    """checks.yaml totals_with_parts: 22811-05i's Gemeinde total adds only the printed parts when
    SGB II is secret (Rheurdt 125 = 5 + 50 + 70); a total that does not is caught (issue 14)."""
    line = _set_value(raw_copy, "05154048,Rheurdt,2024-12-31,minimum_benefit_recipients,total", "1125")
    [issue] = _errors(raw_copy, "total_parts")
    assert (issue.file, issue.row) == (VALUES, line)
    assert "1125" in issue.problem and "125" in issue.problem and "geheim" in issue.problem
    assert "includes_secret_parts" in issue.fix


def test_context_fact_needs_known_ags_indicator_and_german_text(raw_copy):
    _edit_line(raw_copy, "snapshot/facts.csv", "WKN_RP2016_REES", ",05154044,", ",05154099,")
    [issue] = _errors(raw_copy, "fact_context")
    assert issue.file == "snapshot/facts.csv" and "05154099" in issue.problem
