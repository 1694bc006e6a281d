"""Tables as readers see them: plain HTML without the DataFrame index or random ids, numbers kept
on one line and right-aligned, with a plain-text twin for JupyterLab and nbval."""
from __future__ import annotations

import html
import re

import pandas as pd
from IPython.display import display

# A cell a reader compares as a number or date (``18.034.454``, ``+44,2 %²``, ``31.12.2024``,
# ``k. A.``): kept on one line and right-aligned, so it is never split across lines.
NUMERIC_CELL = re.compile(r"^(?:[+\u2212\-±]?\s*\d[\d.,\u00a0\u202f]*(?:\s?[%‰])?|k\. A\.|n/a)[¹²³⁴⁵*]*$")
# Tokens that may wrap anywhere so they cannot widen a column: URLs, paths, source ids
# (long, with '/', '_' or ':'); ordinary words only wrap between words.
BREAKABLE_TOKEN, BREAKABLE_LENGTH = re.compile(r"[/_:]"), 16
WIDE_TABLE_COLUMNS = 7  # from this many columns on, a table uses a smaller font
LONG_TABLE_ROWS = 13  # from this many rows on, a table is "im-long": smaller in print, breaks between rows


def _cell_class(text: str) -> str:
    if NUMERIC_CELL.match(text.strip()):
        return "im-num"
    breakable = any(len(token) >= BREAKABLE_LENGTH and BREAKABLE_TOKEN.search(token) for token in text.split())
    return "im-break" if breakable else ""


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def _cell(tag: str, value: object, extra: str = "", span: str = "") -> str:
    text = _text(value)
    css = " ".join(c for c in ((_cell_class(text) if tag == "td" else ""), extra) if c)
    attributes = (f' class="{css}"' if css else "") + span
    return f"<{tag}{attributes}>{html.escape(text, quote=False)}</{tag}>"


def _header(columns: pd.Index, extra: list[str]) -> str:
    """One header row, or two for (group, column) pairs: the group spans its columns, and a
    column without a second level spans both rows."""
    if columns.nlevels == 1:
        return "<tr>" + "".join(_cell("th", c, x) for c, x in zip(columns, extra, strict=True)) + "</tr>"
    top: list[list] = []  # [group, number of columns, spans both rows, class]
    for (group, column), x in zip(columns, extra, strict=True):
        if column and top and top[-1][0] == group and not top[-1][2]:
            top[-1][1] += 1
        else:
            top.append([group, 1, not column, x if not column else ""])
    first = "".join(_cell("th", group, x, ' rowspan="2"' if alone else f' colspan="{n}"') for group, n, alone, x in top)
    second = "".join(_cell("th", column, x) for (_, column), x in zip(columns, extra, strict=True) if column)
    return f"<tr>{first}</tr><tr>{second}</tr>"


def table_html(frame: pd.DataFrame, caption: str = "", screen_only: tuple[str, ...] = (), css_class: str = "") -> str:
    """``frame`` as a plain ``<table class="im-table">`` without the DataFrame index and without
    random ids (nbval compares it): numeric cells get ``im-num`` (no line break inside a number,
    right-aligned, as is the header of an all-numeric column), URLs and ids ``im-break``; tables
    with many columns ``im-wide`` (smaller font), with many rows ``im-long`` (printed across pages, the
    header repeated, rather than leaving half a page empty); ``screen_only`` columns are left out in print.
    Columns may be (group, column) pairs: two header rows. ``css_class``: extra table class."""
    classes = " ".join(c for c in ("im-table", "im-wide" if len(frame.columns) >= WIDE_TABLE_COLUMNS else "",
                                   "im-long" if len(frame) >= LONG_TABLE_ROWS else "", css_class) if c)
    hidden = [c in screen_only for c in frame.columns]
    numeric = [bool(texts) and all(_cell_class(v) == "im-num" for v in texts)
               for texts in ([v for v in map(_text, frame[c]) if v.strip()] for c in frame.columns)]
    extra = [" ".join(x for x in ("im-screen-only" if h else "", "im-right" if n else "") if x)
             for h, n in zip(hidden, numeric, strict=True)]
    rows = "".join("<tr>" + "".join(_cell("td", v, "im-screen-only" if h else "")
                                    for v, h in zip(row, hidden, strict=True)) + "</tr>"
                   for row in frame.itertuples(index=False))
    body = f'<table class="{classes}"><thead>{_header(frame.columns, extra)}</thead><tbody>{rows}</tbody></table>'
    if caption:
        body += f'<p class="im-source">{html.escape(caption)}</p>'
    return body


def table(frame: pd.DataFrame, caption: str = "", screen_only: tuple[str, ...] = (), css_class: str = "") -> None:
    """Show a table to readers: :func:`table_html` with a plain-text twin. The one place where
    the profile, the overview and the comparison render tables."""
    display({"text/html": table_html(frame, caption, screen_only, css_class),
             "text/plain": frame.to_string(index=False) + (f"\n{caption}" if caption else "")}, raw=True)
