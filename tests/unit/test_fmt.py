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


@pytest.mark.parametrize("value, decimals, expected", [
    (31.25, 1, "31,3"),  # Gladbeck: 5 of 16 schools (exact in binary)
    (100 * 5 / 16, 1, "31,3"), (6.25, 1, "6,3"), (100 * 1 / 16, 1, "6,3"),
    (0.125, 2, "0,13"),  # exact in binary too
    (2.675, 2, "2,68"),  # binary 2.67499999…: the decimal value computed is what counts
    (100.49999999999999, 0, "101"),  # 1.005 * 100: binary noise of an exact half
    (0.5, 0, "1"), (1.5, 0, "2"), (2.5, 0, "3"),  # never to the even digit
    (31.249, 1, "31,2"), (31.2500001, 1, "31,3"),
    (-2.5, 0, "\u22123"), (-6.25, 1, "\u22126,3"),  # away from zero, with a true minus sign
])
def test_exact_halves_round_up(value, decimals, expected):
    assert fmt.format_number(value, decimals) == expected
    assert fmt.format_number(value, decimals, "en") == expected.replace(",", ".")


def test_halves_round_up_in_percentages_changes_and_the_function_charts_call():
    assert fmt.format_percent(31.25) == "31,3\u00a0%" and fmt.format_percent(6.25, sprache="en") == "6.3%"
    assert fmt.format_change(6.25, unit="%") == "+6,3\u00a0%"
    assert str(fmt.round_half_up(31.25, 1)) == "31.3" and str(fmt.round_half_up(2.675, 2)) == "2.68"


def test_negative_numbers_carry_a_true_minus_sign_and_a_rounded_zero_none():
    assert fmt.format_number(-19.94, 1) == "\u221219,9" and fmt.format_number(-1204, sprache="en") == "\u22121,204"
    assert fmt.format_percent(-19.94) == "\u221219,9\u00a0%"
    assert fmt.format_percent(-19.94, sprache="en") == "\u221219.9%"
    assert fmt.format_number(-0.04, 1) == "0,0" and fmt.format_change(-0.04, 1) == "\u00b10,0"
    assert "-" not in fmt.format_number(-5) + fmt.format_percent(-5.5, sprache="en")


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


def test_as_printed_is_the_value_a_reader_sees():
    """Ranks, ties, thresholds and goals compare these: round half up, the float's decimal reading."""
    assert fmt.as_printed(2.675, 2) == 2.68 and fmt.as_printed(6.25, 1) == 6.3 and fmt.as_printed(-2.5, 0) == -3.0
    assert fmt.as_printed(None, 1) is None and math.isnan(fmt.as_printed(float("nan"), 1))
