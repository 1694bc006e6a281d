"""data/processed as immutable builds: the garbage collector keeps the current build, however data/ is reached."""
import os

from helpers.data import processed


def _builds(root):
    folder = root / "data" / "processed"
    for build_id in ("20260101-000000-aaaaaa", "20260102-000000-bbbbbb"):
        (folder / processed.BUILDS / build_id).mkdir(parents=True)
        (folder / processed.BUILDS / build_id / "manifest.json").write_text("{}")
    os.symlink(f"{processed.BUILDS}/20260102-000000-bbbbbb", folder / processed.CURRENT)
    return folder


def test_garbage_collection_keeps_the_current_build_and_removes_the_other(tmp_path):
    folder = _builds(tmp_path)
    processed.collect_garbage(folder)
    assert sorted(p.name for p in (folder / processed.BUILDS).iterdir()) == ["20260102-000000-bbbbbb"]


def test_garbage_collection_through_a_linked_data_folder_keeps_the_current_build(tmp_path):
    """A project whose data/ is a symbolic link (as the batch tests' toy root has): the current build compared
    by its resolved path, or the first build in a fresh clone removed itself."""
    _builds(tmp_path / "real")
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "data").symlink_to(tmp_path / "real" / "data", target_is_directory=True)
    linked = tmp_path / "project" / "data" / "processed"
    processed.collect_garbage(linked)
    assert processed.current(linked).name == "20260102-000000-bbbbbb"
    assert sorted(p.name for p in (linked / processed.BUILDS).iterdir()) == ["20260102-000000-bbbbbb"]
