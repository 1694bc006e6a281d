"""make test relies on pytest-xdist's --dist loadgroup: the tests of one xdist_group run in one worker, so an
expensive shared run happens once and nbval's cells share their kernel. pytest 9.2 silently broke that
(pytest-dev/pytest-xdist#1386: the group suffix of the node id no longer takes effect), hence pytest<9.2 in
pyproject.toml; this test notices when grouping stops working again."""
import os
import subprocess
import sys

TEST = '''import os

import pytest


@pytest.mark.xdist_group("shared")
@pytest.mark.parametrize("i", range(3))
def test_note_the_worker(i):
    with open(os.environ["WORKERS_SEEN"], "a") as seen:
        seen.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")
'''


def test_the_tests_of_one_group_share_one_worker(tmp_path):
    for name in ("test_a.py", "test_b.py"):
        (tmp_path / name).write_text(TEST, encoding="utf-8")
    seen = tmp_path / "workers.txt"
    # -p helpers as in pyproject's addopts: the three processes compile no IRI grammars (src/helpers/__init__.py)
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "helpers", "-q",
                           "--numprocesses", "2", "--dist", "loadgroup", str(tmp_path)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "WORKERS_SEEN": str(seen)})
    assert done.returncode == 0, done.stdout[-3000:]
    workers = seen.read_text().split()
    assert len(workers) == 6 and len(set(workers)) == 1, workers
