"""``benchmarks/compare_dom.py`` proves a markup-only change (the export without BeautifulSoup): it must pass
pages that differ only in how they are written and fail pages that show something else."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
PAGE = ("<!doctype html><html lang='de'><head><meta charset='utf-8'><title>t</title></head><body>"
        "<div class='{classes}' {attributes}>O{apostrophe}Neill &amp; Söhne{br}17,3 %</div>\n\n<p>erstellt am "
        "07.12.2026 um {time} Uhr</p></body></html>")


def _compare(tmp_path: Path, before: dict, after: dict) -> subprocess.CompletedProcess:
    for side, fields in (("before", before), ("after", after)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "seite.html").write_text(PAGE.format(**fields), encoding="utf-8")
    return subprocess.run([sys.executable, ROOT / "benchmarks" / "compare_dom.py", tmp_path / "before",
                           tmp_path / "after"], capture_output=True, text=True, timeout=120)


BEFORE = {"classes": "a  b", "attributes": 'tabindex="0" data-x="1"', "apostrophe": "&#x27;", "br": "<br>",
          "time": "20:26"}


def test_markup_written_otherwise_builds_the_same_page(tmp_path):
    after = {"classes": "b a", "attributes": "data-x='1' tabindex=0", "apostrophe": "'", "br": "<br/>", "time": "21:32"}
    done = _compare(tmp_path, BEFORE, after)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 of 1 pages build the same DOM" in done.stdout


def test_a_lost_attribute_is_a_difference(tmp_path):
    done = _compare(tmp_path, BEFORE, {**BEFORE, "attributes": 'data-x="1"'})
    assert done.returncode == 1 and "differs: seite.html" in done.stdout, done.stdout + done.stderr
