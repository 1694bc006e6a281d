"""Test material from ../shared: a skip with a reason on a developer machine, a failure on CI."""
import pytest
from _pytest.outcomes import Failed, Skipped

from tests.material import require


def test_missing_test_material_fails_on_ci_and_skips_locally(tmp_path, monkeypatch):
    missing = tmp_path / "absent.csv"
    monkeypatch.setenv("CI", "true")
    with pytest.raises(Failed, match="CI: test material must be present"):
        require(missing)
    monkeypatch.delenv("CI")
    with pytest.raises(Skipped, match="fehlt"):
        require(missing)
    assert require(tmp_path) == tmp_path
