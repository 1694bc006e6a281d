"""The warm kernel compiles a helpers module once per content (run.code_cache): an unchanged module is
executed from the same code object after the reset, an edited one is compiled anew."""
from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import json, sys, pathlib
from helpers.run import code_cache
root = pathlib.Path(sys.argv[1])
sys.path.insert(0, str(root))
code_cache.install(root / "cached")

def load(name):
    for module in [m for m in sys.modules if m.split(".")[0] == name]:
        del sys.modules[module]
    module = __import__(name + ".mod").mod
    return module.value(), module.value.__code__

first, code = load("cached")
second, code_again = load("cached")
(root / "cached" / "mod.py").write_text("def value():\\n    return 2\\n")  # same size, same second
third, code_edited = load("cached")
_, other = load("other")
_, other_again = load("other")
print(json.dumps([first, second, third, code is code_again, code_edited is code, other is other_again]))
"""


def test_an_unchanged_module_is_not_compiled_again_and_an_edited_one_is(tmp_path):
    for package in ("cached", "other"):  # "other" lies outside the cached folder
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
        (tmp_path / package / "mod.py").write_text("def value():\n    return 1\n")
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True,
                            check=True)
    assert json.loads(result.stdout) == [1, 1, 2, True, False, False]


DATACLASSES = """
import dataclasses, json
from helpers.run import code_cache

def make():
    @dataclasses.dataclass(frozen=True)
    class Point:
        x: int
        y: list = dataclasses.field(default_factory=list)
    return Point

plain = make()
code_cache.install("/nonexistent")
first, second = make(), make()
p = second(1)
try:
    p.x = 2
    frozen = False
except dataclasses.FrozenInstanceError:
    frozen = True
print(json.dumps([first.__init__.__code__ is second.__init__.__code__, first.__init__ is second.__init__,
                  first.__init__.__annotations__ == plain.__init__.__annotations__, frozen,
                  second(1) == second(1), second(1).y is not second(1).y, repr(p)]))
"""


def test_a_dataclass_created_again_runs_the_code_compiled_the_first_time():
    """The reset re-creates every dataclass of the package: its methods' code is kept by their text, each class
    still gets functions of its own that behave as before."""
    result = subprocess.run([sys.executable, "-c", DATACLASSES], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == [True, False, True, True, True, True, "make.<locals>.Point(x=1, y=[])"]
