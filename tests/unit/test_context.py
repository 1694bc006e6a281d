"""The one briefing context: computed and numbered before any section renders, so a section shows the
same whichever cell ran before it, sources are numbered in reading order, and briefings never share state."""
from __future__ import annotations

import dataclasses
import re

import pytest

from helpers.briefings import kommune_profil, kommunen_vergleich, kreis_uebersicht
from helpers.data import store

BRIEFINGS = {"kommune_profil": (kommune_profil, ("Kranenburg",)), "kreis_uebersicht": (kreis_uebersicht, ()),
             "kommunen_vergleich": (kommunen_vergleich, (None, None, "de", ["population", "minimum_benefit_rate"]))}
REFERENCE = re.compile(r"\\?\[(\d+)\\?\]")  # "[3]", in Markdown "\[3\]"


def _sections(module, ctx, shown: list, names) -> dict[str, str]:
    out = {}
    for name in names:
        shown.clear()
        getattr(module, name)(ctx)
        out[name] = "\n".join(shown)
    return out


@pytest.fixture(scope="module", params=sorted(BRIEFINGS))
def briefing(request):
    module, args = BRIEFINGS[request.param]
    return module, module.setup(*args)


def test_a_section_shows_the_same_whichever_ran_before(briefing, shown):
    module, ctx = briefing
    names = [name for name, _ in module.SECTIONS]
    forward = _sections(module, ctx, shown, names)
    assert _sections(module, ctx, shown, names[::-1]) == forward


def test_sources_are_numbered_in_the_order_a_reader_meets_them(briefing, shown):
    """Block by block as displayed, the numbers first appear as 1, 2, 3 … (a table without a source line,
    the comparison's changes, counts as referring to the sources of its figures there)."""
    _, ctx = briefing
    seen = []
    for blocks in ctx.document.values():
        for block in blocks:
            shown.clear()
            block.show(ctx.sources, ctx.sprache)
            [text] = shown
            seen += [int(n) for n in REFERENCE.findall(text)]
            seen += [ctx.sources.numbers[i] for i in getattr(block, "silent", ())]
    assert list(dict.fromkeys(seen)) == list(range(1, len(ctx.sources.ids) + 1))


def test_briefings_in_one_process_share_no_numbering(shown):
    """The numbers belong to the context: a second briefing set up in between changes nothing (no module
    state to reset between notebooks in a warm kernel, or between tests)."""
    profile = kommune_profil.setup("Goch")
    before = _sections(kommune_profil, profile, shown, ["key_figures", "fields"])
    kreis_uebersicht.setup("Wesel")
    kommune_profil.setup("Kleve")
    assert _sections(kommune_profil, profile, shown, ["fields"])["fields"] == before["fields"]


def test_the_context_is_frozen(briefing):
    _, ctx = briefing
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.figures = None
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.sources = None


def test_a_section_cannot_refer_to_a_source_it_did_not_lay_out(briefing):
    _, ctx = briefing
    unused = next(i for i in store.load("sources")["source_id"] if i not in ctx.sources.ids)
    with pytest.raises(KeyError, match="nicht nummeriert"):
        ctx.sources.refer([unused])
