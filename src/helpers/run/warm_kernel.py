"""A papermill engine that reuses one started kernel per process and resets it between notebooks.

Starting a kernel and importing pandas/plotly costs 2–3 s per notebook; a batch of 18 briefings
spends most of its time there. :class:`WarmKernelEngine` (papermill engine name ``"warm"``)
keeps one kernel per worker process alive and, after every notebook, returns it to the state of
a fresh kernel (:data:`RESET_CODE`): user namespace, output history and execution counter cleared,
every ``helpers`` module dropped from ``sys.modules`` (so module-level caches start empty and cannot
carry another notebook's parameters; only their compiled code is kept, ``code_cache``), cwd,
environment, ``sys.path``, warnings filters, pandas options, plotly defaults and the garbage
collector's thresholds restored.
Third-party modules stay imported — that is the speed-up. If the reset fails or the kernel died,
the kernel is replaced. tests/batch/test_isolation.py proves that a notebook run after another
gives the same outputs as run alone.
"""
from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing.util
import os
import signal
from pathlib import Path

import zmq
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_runtime_dir
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

from helpers.run.runtime import SOCKET_PREFIX, own_files, remove_stale_files, runtime_dir

ENGINE_NAME = "warm"
RESET_TIMEOUT = 30
BASELINE_TIMEOUT = 300  # imports every helpers module: on a loaded machine (cron next to others) well over 30 s
# No input history on disk: IPython would write every cell of every notebook to the user's history.sqlite (one
# file for all kernels of the machine, so both workers wait on its lock) — 40 MB after a few statewide runs and
# a thread's write per cell. Inputs stay in memory (In, _i), as a notebook may read them.
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]
log = logging.getLogger(__name__)

# Run once after start: remember what "fresh" means for this kernel (kept on the sys module,
# which survives the namespace reset).
BASELINE_CODE = """
import importlib as _importlib, os as _os, pkgutil as _pkgutil, sys as _sys, warnings as _warnings
import helpers as _helpers  # first: it keeps plotly.io.renderers' nbformat import from compiling IRI grammars
from helpers.run import code_cache as _code_cache
_code_cache.install(_os.path.dirname(_helpers.__file__))  # every reset re-imports the package: compile it once
import pandas as _pd, plotly.io as _pio
# Import what notebooks use once, so import-time effects of third-party modules (warnings
# printed to stderr, lazily added filters) are part of the baseline for every notebook alike.
_sys._im_warmup_failed = []
for _module in _pkgutil.walk_packages(_helpers.__path__, "helpers."):
    # not the command line and batch modules, which notebooks do not use
    if not _module.name.startswith(("helpers.__main__", "helpers.cli", "helpers.commands", "helpers.run")):
        try:
            _importlib.import_module(_module.name)
        except Exception as _error:  # a broken module fails in the notebook that uses it, loudly
            _sys._im_warmup_failed.append((_module.name, repr(_error)))
_sys._im_baseline = dict(
    pandas={_k: _pd.get_option(_k) for _k in _pd._config.config._registered_options},
    plotly=(_pio.templates.default, _pio.renderers.default), templates=set(_pio.templates),
    cwd=_os.getcwd(), environ=dict(_os.environ), path=list(_sys.path),
)
_sys._im_baseline["warnings"] = list(_warnings.filters)  # last: the lines above import lazily
for _name in [m for m in _sys.modules if m == "helpers" or m.startswith("helpers.")]:
    del _sys.modules[_name]
# What is alive now lives as long as the kernel: kept out of the garbage collector's full passes, which
# IPython's reset runs after every notebook (0.2 s each over pandas' and plotly's objects otherwise).
import gc as _gc
_gc.collect()
_gc.freeze()
# Every reset turns the last notebook's helpers modules into cyclic garbage. With Python's default (a young
# collection every 700 allocations) it outlives the young generations and is freed by full collections over
# everything the kernel holds: 80 ms each, 25 ms per notebook. Collected every 20,000 allocations, it dies young.
_gc.set_threshold(20_000, 20, 10)
_sys._im_baseline["gc"] = _gc.get_threshold()
"""

RESET_CODE = """
import gc as _gc, os as _os, sys as _sys, typing as _typing, warnings as _warnings
import pandas as _pd, plotly.io as _pio
_b = _sys._im_baseline
_gc.set_threshold(*_b["gc"])
for _name in [m for m in _sys.modules if (m == "helpers" or m.startswith("helpers.")) and m != "helpers.data.memo"]:
    del _sys.modules[_name]
# typing's caches of subscripted generics (e.g. Context[ProfileFigures]) would keep every dropped generation
# of the helpers modules alive, with all they hold: about 2 MB more per notebook.
for _clear in _typing._cleanups:
    _clear()
for _name in set(_pio.templates) - _b["templates"]:
    del _pio.templates[_name]
_os.chdir(_b["cwd"])
_os.environ.clear(); _os.environ.update(_b["environ"])
_sys.path[:] = _b["path"]
_warnings.filters[:] = _b["warnings"]
_warnings._filters_mutated()  # invalidate the per-module "already warned" registries
with _warnings.catch_warnings():
    _warnings.simplefilter("ignore")
    for _k, _v in _b["pandas"].items():
        if _pd.get_option(_k) is not _v and _pd.get_option(_k) != _v:
            _pd.set_option(_k, _v)
if (_pio.templates.default, _pio.renderers.default) != _b["plotly"]:  # setting validates the template: 0.1 s
    _pio.templates.default, _pio.renderers.default = _b["plotly"]
# The reset without the output cache's flush, whose full garbage collection over everything the memo holds
# costs 0.1-0.3 s per notebook; the namespace and output history are cleared all the same, Python's own
# collector frees cyclic garbage as it always does, and only the last results are released by hand. (No
# names after the reset: it has just emptied the namespace.)
get_ipython().displayhook.do_full_cache = False
get_ipython().reset(new_session=True)
get_ipython().displayhook.do_full_cache = True
get_ipython().displayhook._ = get_ipython().displayhook.__ = get_ipython().displayhook.___ = ""
"""


class _Kernel:
    """One started kernel with its client, owned by the current process."""

    def __init__(self, kernel_name: str, start_timeout: float) -> None:
        self.kernel_name = kernel_name
        # IPC sockets (files named per process in Jupyter's runtime folder) instead of TCP ports:
        # no port race between workers (papermill#511), no plain-TCP warning in the cron log.
        runtime, _ = runtime_dir()
        remove_stale_files(runtime)
        self.km = AsyncKernelManager(kernel_name=kernel_name, transport="ipc",
                                     ip=str(runtime / f"{SOCKET_PREFIX}-{os.getpid()}-ipc"),
                                     connection_file=str(runtime / f"{SOCKET_PREFIX}-{os.getpid()}-kernel.json"))
        self.kc = None
        self._start(start_timeout, os.getcwd())

    def _start(self, start_timeout: float, cwd: str) -> None:
        try:
            run_sync(self.km.start_kernel)(cwd=cwd, extra_arguments=KERNEL_ARGUMENTS)
        except zmq.ZMQError as error:  # port race between parallel workers (papermill#511)
            if "Address already in use" not in str(error):
                raise
            log.warning("kernel port in use, retrying once: %s", error)
            run_sync(self.km.start_kernel)(cwd=cwd, extra_arguments=KERNEL_ARGUMENTS)
        self.kc = self.km.client()
        self.kc.start_channels()
        run_sync(self.kc.wait_for_ready)(timeout=start_timeout)
        if not self.run(BASELINE_CODE, timeout=BASELINE_TIMEOUT):
            raise RuntimeError("could not prepare the warm kernel (BASELINE_CODE failed)")

    def run(self, code: str, timeout: float = RESET_TIMEOUT) -> bool:
        """Run bookkeeping code silently (not stored in history); True if it succeeded."""
        reply = run_sync(self.kc.execute_interactive)(
            code, silent=True, store_history=False, timeout=timeout, output_hook=lambda msg: None
        )
        if reply["content"]["status"] != "ok":
            log.warning("warm kernel bookkeeping failed: %s: %s", reply["content"].get("ename"),
                        reply["content"].get("evalue"))
        return reply["content"]["status"] == "ok"

    def alive(self) -> bool:
        return bool(run_sync(self.km.is_alive)())

    def shutdown(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.alive():
            run_sync(self.km.shutdown_kernel)(now=True)


_kernel: _Kernel | None = None


def _acquire(kernel_name: str, start_timeout: float) -> _Kernel:
    """This process's kernel, started on first use or when the old one cannot be reused."""
    global _kernel
    if _kernel is not None and (_kernel.kernel_name != kernel_name or not _kernel.alive()):
        shutdown()
    if _kernel is None:
        _kernel = _Kernel(kernel_name, start_timeout)
    return _kernel


def shutdown() -> None:
    """Stop this process's warm kernel (registered for interpreter and pool-worker exit)."""
    global _kernel
    if _kernel is not None:
        kernel, _kernel = _kernel, None
        try:
            kernel.shutdown()
        except (RuntimeError, zmq.ZMQError) as error:
            log.warning("could not shut down warm kernel cleanly: %s", error)


def kill() -> None:
    """Kill this process's kernel at once and remove its files: for a signal handler or the orphan
    watchdog, where waiting for the kernel's shutdown reply is not possible."""
    pid = _kernel_pid()
    if pid:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)  # the kernel leads its own session (jupyter_client)
    for path in own_files(Path(jupyter_runtime_dir()), os.getpid()):
        path.unlink(missing_ok=True)


def _kernel_pid() -> int | None:
    return getattr(getattr(_kernel, "km", None) and _kernel.km.provisioner, "pid", None)


def cpu_seconds() -> float:
    """CPU seconds this process's kernel has used so far; 0 without a kernel or without /proc (Linux)."""
    try:
        fields = Path(f"/proc/{_kernel_pid()}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


class WarmKernelEngine(NBClientEngine):
    """papermill's nbclient engine, but on this process's warm kernel (reset afterwards)."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
        kernel = _acquire(kernel_name, start_timeout)
        kwargs.pop("input_path", None)
        client = PapermillNotebookClient(
            nb_man, km=kernel.km, kernel_name=kernel_name, timeout=execution_timeout,
            startup_timeout=start_timeout, log=logging.getLogger("papermill"), log_output=log_output,
            stdout_file=stdout_file, stderr_file=stderr_file, **kwargs,
        )
        client.kc = kernel.kc
        try:
            return client.execute()
        finally:
            if not (kernel.alive() and kernel.run(RESET_CODE)):
                shutdown()


def register() -> None:
    """Make ``engine_name="warm"`` available to papermill in this process."""
    papermill_engines.register(ENGINE_NAME, WarmKernelEngine)


register()
atexit.register(shutdown)
# Pool workers leave through multiprocessing, which skips atexit but runs its finalizers.
multiprocessing.util.Finalize(None, shutdown, exitpriority=100)
