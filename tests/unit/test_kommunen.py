import pytest

from helpers import kommunen as k


def test_sixteen_kommunen_in_official_order():
    names = [r.name for r in k.kommunen()]
    assert len(names) == 16
    assert names[0] == "Bedburg-Hau" and names[-1] == "Weeze"
    assert [r.ags for r in k.kommunen()] == sorted(r.ags for r in k.kommunen())
    assert all(r.ags.startswith("05154") and len(r.ags) == 8 for r in k.kommunen())
    assert k.kreis().ags == "05154" and k.land().ags == "05"


@pytest.mark.parametrize(
    "query, ags",
    [
        ("Kleve", "05154036"),
        ("kleve", "05154036"),
        (" KLEVE ", "05154036"),
        ("05154036", "05154036"),
        (" 05154008 ", "05154008"),
        (5154036, "05154036"),  # papermill -p turns 05154036 into an int
        ("Emmerich", "05154008"),
        ("emmerich am rhein", "05154008"),
        ("Emmerich a. Rh.", "05154008"),
        ("bedburg hau", "05154004"),
        ("Kreis Kleve", "05154"),
        ("NRW", "05"),
    ],
)
def test_lookup_forgives_spelling(query, ags):
    assert k.region(query).ags == ags


def test_unknown_name_suggests_closest():
    with pytest.raises(k.UnknownRegionError) as err:
        k.region("Klewe")
    message = str(err.value)
    assert "Unbekannte Kommune 'Klewe'" in message
    assert "Meinten Sie 'Kleve'?" in message
    assert "Weeze (05154064)" in message  # lists the valid ones


def test_level_restriction_rejects_kreis_for_profile():
    with pytest.raises(k.UnknownRegionError):
        k.region("Kreis Kleve", level="kommune")


@pytest.mark.parametrize("bad", [None, 3.5, True, ["Kleve"], "", "99999999"])
def test_wrong_types_and_codes_fail_clearly(bad):
    with pytest.raises(k.UnknownRegionError, match="Kommune"):
        k.region(bad)


def test_slugs_are_ascii_and_unique():
    slugs = [r.slug for r in k.kommunen()]
    assert len(set(slugs)) == 16
    assert k.region("Emmerich").slug == "emmerich-am-rhein"
    assert all(s.isascii() and " " not in s for s in slugs)


@pytest.mark.parametrize("query", ["Kreis Viersen", "viersen", "05166", "5166", "Viersen, Kreis", "Landkreis Viersen"])
def test_kreis_by_name_or_key(query):
    assert k.kreis(query).ags == "05166"


def test_kreis_default_and_members():
    assert k.kreis().ags == "05154" and k.kommunen() == k.kommunen("Kreis Kleve")
    assert len(k.kommunen("05170")) == 13 and len(k.kommunen("Viersen")) == 9
    assert k.region("Kleve").ags == "05154036" and k.kreis("Kleve").ags == "05154"  # the Stadt, the Kreis


def test_misspelt_kreis_suggests_the_closest():
    with pytest.raises(k.UnknownRegionError) as err:
        k.kreis("Wessel")
    assert "Meinten Sie 'Kreis Wesel'?" in str(err.value)
    with pytest.raises(k.UnknownRegionError, match="Meinten Sie 'Wesel'"):
        k.region("Wessel")


@pytest.mark.parametrize("query, hint", [("Düsseldorf", "kreisfreie Stadt"), ("05111", "kreisfreie Stadt"),
                                         ("Goch", "Meinten Sie 'Kreis Kleve'")])
def test_no_kreis_where_a_kreis_is_needed(query, hint):
    with pytest.raises(k.NotAKreisError, match=hint):
        k.kreis(query)


def test_the_directory_is_parsed_once_per_text_and_read_anew_when_it_differs(tmp_path):
    """The parsed directory outlives a warm kernel's reset (helpers.data.memo), but only for the same text."""
    import shutil

    from helpers.data import memo
    from helpers.paths import RAW_DIR

    k.all_regions()
    names = memo.REGIONS["names"]
    k._forget()  # what the reset's re-import does to the module's own caches
    assert k.region("05154040").name == "Kranenburg" and memo.REGIONS["names"] is names
    raw = tmp_path / "raw"
    (raw / "itnrw").mkdir(parents=True)
    shutil.copy(RAW_DIR / "datapackage.json", raw)
    source = k.directory_file()
    (raw / "itnrw" / source.name).write_bytes(source.read_bytes().replace(b"      Kranenburg;", b"      Kranenbourg;"))
    with k.directory_of(raw):
        assert k.region("05154040").name == "Kranenbourg"
        assert k.region("Kranenbourg").ags == "05154040"  # the lookup keys are kept with the text, too
    assert k.region("05154040").name == "Kranenburg"
    assert k.region("Kranenburg").ags == "05154040"
    with pytest.raises(k.UnknownRegionError):
        k.region("Kranenbourg")
