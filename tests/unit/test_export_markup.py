"""The export leaves out nbconvert's BeautifulSoup round trip (30 of 50 ms per page): the page a browser builds
must stay the one nbconvert's own ``HTMLExporter`` would write, output areas focusable by keyboard included."""
import copy
import datetime as dt
import re

import nbformat
from bs4 import BeautifulSoup, NavigableString
from nbconvert.exporters import HTMLExporter

from helpers.run import export


def _notebook() -> nbformat.NotebookNode:
    """Every kind of output a briefing shows: Markdown (also from data, with entities), an HTML table, plain
    text, a chart's div, and a Markdown cell."""
    code = nbformat.v4.new_code_cell("")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/markdown": "## Wo steht Kleve?\n\nA & B <i>kursiv</i>, "
                                                                       "„Zitat“ 17,3 %<br>neue Zeile"}),
        nbformat.v4.new_output("display_data", data={
            "text/html": '<table class="im-table"><tr><th>Kommune</th><td class="im-num">41.655</td></tr>'
                         "<tr><td>O&#x27;Neill &amp; &quot;Söhne&quot;</td><td></td></tr></table>",
            "text/plain": "Kommune 41.655"}),
        nbformat.v4.new_output("display_data", data={"text/plain": "nur Text"}),
        nbformat.v4.new_output("display_data", data={
            "text/html": '<div id="c1" class="plotly-graph-div"></div><script>Plotly.newPlot("c1", [], {})</script>'}),
    ]
    markdown = nbformat.v4.new_markdown_cell("# Titel\n\nEin Absatz mit *Betonung*.")
    return nbformat.v4.new_notebook(cells=[markdown, code])


def _input() -> tuple[nbformat.NotebookNode, dict]:
    return export.page_input(_notebook(), "test", created=dt.datetime(2026, 1, 1, 6, 15), version="Test")


def _tree(page: str) -> list:
    """What a browser builds of the markup: elements with their attributes (classes as a set) and the text,
    whitespace between elements ignored."""
    out = []
    for node in BeautifulSoup(page, "html.parser").descendants:
        if isinstance(node, NavigableString):
            text = re.sub(r"\s+", " ", str(node)).strip()
            if text:
                out.append(("text", text))
        else:
            attrs = {k: " ".join(sorted(v)) if isinstance(v, list) else v for k, v in node.attrs.items()}
            out.append((node.name, tuple(sorted(attrs.items()))))
    return out


def test_the_page_is_the_one_nbconverts_html_exporter_writes():
    exporter, (nb, resources) = export._exporter("de"), _input()
    ours, _ = exporter.from_notebook_node(nb, resources=copy.deepcopy(resources))
    theirs, _ = HTMLExporter.from_notebook_node(exporter, nb, resources=copy.deepcopy(resources))
    assert ours != theirs  # the markup differs (attribute order, <br/>, entities) …
    assert _tree(ours) == _tree(theirs)  # … the page does not


def test_every_output_area_is_focusable():
    page, _ = export._exporter("de").from_notebook_node(*_input())
    areas = BeautifulSoup(page, "html.parser").select("div.jp-OutputArea-output")
    assert len(areas) == 4 and all(area.get("tabindex") == "0" for area in areas)
