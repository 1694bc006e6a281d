"""Where the helpers look for the checkout: an installed wheel must find the repository it runs in."""
from pathlib import Path

import pytest

from helpers import paths


def _checkout(folder: Path) -> Path:
    (folder / paths.CHECKOUT_MARKER).parent.mkdir(parents=True)
    (folder / paths.CHECKOUT_MARKER).write_text("{}", encoding="utf-8")
    return folder


def test_root_is_the_nearest_checkout_above_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("INTEGRATIONSMONITOR_ROOT", raising=False)
    checkout = _checkout(tmp_path / "repo")
    (checkout / "notebooks" / "explore").mkdir(parents=True)
    assert paths.find_root(checkout / "notebooks" / "explore") == checkout.resolve()
    assert paths.find_root(checkout) == checkout.resolve()


def test_environment_variable_wins(tmp_path, monkeypatch):
    checkout = _checkout(tmp_path / "repo")
    monkeypatch.setenv("INTEGRATIONSMONITOR_ROOT", str(tmp_path / "elsewhere"))
    assert paths.find_root(checkout) == (tmp_path / "elsewhere").resolve()


def test_outside_any_checkout_the_editable_checkout_is_used(tmp_path, monkeypatch):
    monkeypatch.delenv("INTEGRATIONSMONITOR_ROOT", raising=False)
    assert paths.find_root(tmp_path) == paths.PACKAGE_DIR.parents[1].resolve()


def test_package_resources_sit_in_the_package():
    for resource in ("messages.yaml", "catalogue/indicators.yaml", "catalogue/region_aliases.csv",
                     "run/templates/index.html.j2", "run/templates/briefing/static/briefing.css"):
        assert (paths.PACKAGE_DIR / resource).is_file(), resource



def test_read_yaml_gives_what_the_pure_python_parser_gives_for_every_yaml_file():
    """read_yaml may use libyaml for speed only if no catalogue or text reads differently."""
    import yaml

    files = [*paths.PACKAGE_DIR.rglob("*.yaml"), paths.NOTEBOOKS_DIR / "runs.yaml"]
    assert len(files) >= 5
    for path in files:
        assert paths.read_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8")), path


def test_read_yaml_refuses_python_objects(tmp_path):
    import yaml

    unsafe = tmp_path / "unsafe.yaml"
    unsafe.write_text("!!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(yaml.constructor.ConstructorError):
        paths.read_yaml(unsafe)


def test_read_yaml_gives_each_caller_its_own_copy_and_reads_an_edited_file_anew(tmp_path):
    """Parsed once per content (kept across a warm kernel's resets), yet no caller can change what the
    next one gets, and an edit of the same size in the same second is seen."""
    path = tmp_path / "texts.yaml"
    path.write_text("a: {de: eins}\n", encoding="utf-8")
    first = paths.read_yaml(path)
    first["a"]["de"] = "geändert"
    assert paths.read_yaml(path) == {"a": {"de": "eins"}}
    path.write_text("a: {de: zwei}\n", encoding="utf-8")
    assert paths.read_yaml(path) == {"a": {"de": "zwei"}}
