"""Issue 30: a name from data that carries an address is never a live link in the exported HTML (Markdown
renderers link bare URLs on their own), while the links helpers write stay."""
import datetime as dt

import nbformat
from bs4 import BeautifulSoup

from helpers.run import export

NAME = "Moers https://fremd.example/x?a=1&b=2"  # a Gemeinde name as a tampered directory could carry it


def _exported(tmp_path, markdown: str) -> BeautifulSoup:
    cell = nbformat.v4.new_code_cell("display(Markdown(text))")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": markdown})]
    nb = nbformat.v4.new_notebook(cells=[cell])
    target = tmp_path / "kommune.html"
    export.export_html(nb, target, created=dt.datetime(2026, 1, 1, 6, 15), version="Test")
    return BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser")


def test_a_url_in_a_name_from_data_is_text_not_a_link(tmp_path):
    soup = _exported(tmp_path, f"## {NAME}\n\nIn {NAME} lebten Ende 2024 101.503 Menschen (<https://fremd.example/y>, "
                               "info@fremd.example, www.fremd.example).")
    main = soup.find("main") or soup
    leaving = [a for a in main.find_all("a") if "fremd" in a.get("href", "") and not a["href"].startswith("#")]
    assert leaving == []  # (a heading's own anchor "#Moers-https…" stays on the page)
    assert "https://fremd.example/x?a=1&b=2" in main.get_text() and "https://fremd.example/y" in main.get_text()


def test_a_link_written_as_a_link_stays(tmp_path):
    soup = _exported(tmp_path, "Quelle: [Landesdatenbank NRW](https://www.landesdatenbank.nrw.de/)")
    links = [a["href"] for a in (soup.find("main") or soup).find_all("a") if not a["href"].startswith("#")]
    assert links == ["https://www.landesdatenbank.nrw.de/"]
