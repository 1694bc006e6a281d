"""Do two briefing runs show the same pages, even where their markup differs?

For a change of the markup alone (attribute order, ``<br/>`` or ``<br>``, an entity or its character), where
``compare_runs.py`` sees every page differ. Builds each HTML page of both runs in headless Chromium with
JavaScript off and compares the element trees: tags, attributes (classes as the set of names), text; whitespace
between elements is ignored outside ``pre``, ``script``, ``style`` and ``textarea``; build time and code version are
masked as in ``compare_runs.py``. JavaScript stays off so the charts' data are compared as written, not as drawn.

    python benchmarks/compare_dom.py reports/<before> reports/<after>

Prints each differing page with its first difference and exits 1 when any page differs or exists on one side only.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from compare_runs import masked, page_names
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TREE = """() => {
  const out = [];
  const walk = (node) => {
    if (node.nodeType === 1) {
      const attributes = [...node.attributes].map(a => [a.name,
        a.name === 'class' ? a.value.trim().split(/\\s+/).sort().join(' ') : a.value]).sort();
      out.push(['<' + node.tagName, attributes]);
      for (const child of node.childNodes) walk(child);
      out.push(['>' + node.tagName]);
    } else if (node.nodeType === 3) {
      const kept = node.parentElement && node.parentElement.closest('pre, script, style, textarea');
      const text = kept ? node.data : node.data.replace(/\\s+/g, ' ');
      if (kept || text !== ' ') out.push(['#', text]);
    } else if (node.nodeType === 8) {
      out.push(['!', node.data]);
    }
  };
  walk(document.documentElement);
  return JSON.stringify(out);
}"""


def main(before: Path, after: Path) -> int:
    names = page_names(before, after)
    differing = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(java_script_enabled=False).new_page()
        for name in names:
            if not (before / name).exists() or not (after / name).exists():
                differing += 1
                print(f"only in {'after' if (after / name).exists() else 'before'}: {name}")
                continue
            trees = []
            for root in (before, after):
                page.goto((root / name).as_uri())
                trees.append(json.loads(masked(page.evaluate(TREE))))
            if trees[0] != trees[1]:
                differing += 1
                first = next((i for i, (a, b) in enumerate(zip(*trees, strict=False)) if a != b), min(map(len, trees)))
                print(f"differs: {name} at node {first}:\n  before {trees[0][first:first + 1]}\n"
                      f"  after  {trees[1][first:first + 1]}")
        browser.close()
    print(f"{len(names) - differing} of {len(names)} pages build the same DOM")
    return 1 if differing else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
