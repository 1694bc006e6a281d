"""Are two briefing runs the same, apart from when and by which code version they were built?

Used to show that a refactor changed no briefing: build once before, once after, then

    python benchmarks/compare_runs.py reports/<before> reports/<after>

Every HTML page of both runs (German and English) is compared byte for byte after the build time
("01.12.2026 um 22:34 Uhr", "01.12.2026, 22:34") and the code version ("Programmversion e86f726")
are masked. Prints one line per page and exits 1 when any page differs or exists on one side only.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

VOLATILE = [
    (re.compile(r"\d{2}\.\d{2}\.\d{4} um \d{2}:\d{2} Uhr"), "<built>"),
    (re.compile(r"\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}"), "<built>"),
    (re.compile(r"\d{4}-\d{2}-\d{2} at \d{2}:\d{2}"), "<built>"),
    (re.compile(r"\d{1,2} [A-Z][a-z]+ \d{4}(?: at|,) \d{2}:\d{2}"), "<built>"),
    (re.compile(r"((?:Programm|software )version) [0-9a-f]{7,40}(?:-dirty)?"), r"\1 <version>"),
    (re.compile(r"reports/\d{8}-\d{6}"), "reports/<run>"),
]


def masked(text: str) -> str:
    """``text`` with the build time and the code version replaced by placeholders."""
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def normalised(path: Path) -> str:
    return masked(path.read_text(encoding="utf-8"))


def page_names(before: Path, after: Path) -> list[Path]:
    """Every HTML page of either run, relative to its run folder."""
    return sorted({p.relative_to(before) for p in before.rglob("*.html")}
                  | {p.relative_to(after) for p in after.rglob("*.html")})


def compare(before: Path, after: Path) -> int:
    pages = page_names(before, after)
    differing = 0
    for page in pages:
        old, new = before / page, after / page
        if not old.exists() or not new.exists():
            print(f"only in {'after' if new.exists() else 'before'}: {page}")
            differing += 1
            continue
        old_text, new_text = normalised(old), normalised(new)
        if old_text == new_text:
            print(f"identical: {page}")
            continue
        differing += 1
        print(f"DIFFERENT: {page}")
        diff = difflib.unified_diff(old_text.splitlines(), new_text.splitlines(), "before", "after", n=0, lineterm="")
        for line in list(diff)[:12]:
            print("    " + line[:200])
    print(f"{len(pages) - differing} of {len(pages)} pages identical (build time and code version masked)")
    return 1 if differing else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python benchmarks/compare_runs.py BEFORE_RUN_DIR AFTER_RUN_DIR")
    sys.exit(compare(Path(sys.argv[1]), Path(sys.argv[2])))
