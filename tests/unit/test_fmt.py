import datetime as dt
import math

import pandas as pd
import pytest

from helpers import fmt


@pytest.mark.parametrize("value, decimals, expected", [(41655, 0, "41.655"), (18034454, 0, "18.034.454"),
                                                      (2.456, 1, "2,5"), (0, 0, "0")])
def test_german_numbers(value, decimals, expected):
    assert fmt.format_number(value, decimals) == expected


def test_english_numbers():
    assert fmt.format_number(41655, sprache="en") == "41,655"
    assert fmt.format_percent(17.34, sprache="en") == "17.3%"


def test_percent_and_change():
    assert fmt.format_percent(17.34) == "17,3\u00a0%"
    assert fmt.format_change(3.2, unit="%") == "+3,2\u00a0%"
    assert fmt.format_change(-1204, 0) == "\u22121.204"


@pytest.mark.parametrize("missing", [None, math.nan, pd.NA])
def test_missing_never_becomes_zero(missing):
    assert fmt.format_number(missing) == "k. A."
    assert fmt.format_percent(missing) == "k. A."


def test_dates():
    assert fmt.format_date("2023-12-31") == "31.12.2023"
    assert fmt.format_date(dt.date(2022, 5, 15), sprache="en") == "15 May 2022"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="Sprache"):
        fmt.format_number(1, sprache="fr")


def test_date_precision_is_the_sources():
    assert fmt.format_date("2022-03-15", "de", "month") == "März 2022"
    assert fmt.format_date("2016-12-31", "de", "year") == "2016"
    assert fmt.format_date("2022-03-15", "en", "month") == "March 2022"


@pytest.mark.parametrize("text", [
    '<h2 id="x">Titel</h2>', '<a href="javascript:alert(1)">a</a>', "<div class='x'>", "**fett** _kursiv_ `code`",
    "[Verweis](javascript:alert(1))", "# Kopf\n1. Liste", "$x$ ~~weg~~ | a | b |", "&lt;b&gt; &amp;",
])
def test_markdown_text_renders_as_the_literal_text(text):
    """Through the briefing's own Markdown pipeline (nbconvert's renderer, then the output cleaner)."""
    import html

    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from helpers.run.export import clean_markdown_output

    rendered = clean_markdown_output(markdown2html_mistune(f"- Satz  \n  <small>{fmt.markdown_text(text)}</small>"))
    inner = rendered.split("<small>", 1)[1].split("</small>", 1)[0]
    assert html.unescape(inner) == " ".join(text.split())


def test_markdown_output_keeps_formatting_and_shows_other_markup_as_text():
    """The cleaner (nh3) keeps helpers' tags and safe links, drops event handlers and javascript: links,
    and shows a tag it does not allow as text, the way the briefings always showed it."""
    from helpers.run.export import clean_markdown_output

    rendered = clean_markdown_output('<p class="k">a &amp; b <script>alert(1)</script><img src=x onerror=alert(1)></p>'
                                     '<a href="javascript:alert(1)" title="t">j</a><a href="https://x.de/?a=1&b=2">l</a>'
                                     '<td align="right" onclick="x()">1</td><!-- c -->')
    assert rendered == ('<p class="k">a &amp; b &lt;script&gt;alert(1)&lt;/script&gt;'
                        '&lt;img src=x onerror=alert(1)&gt;</p>'
                        '<a title="t">j</a><a href="https://x.de/?a=1&amp;b=2">l</a>1')
