"""Child processes end with their parent; leftovers of killed processes are recognised as such.

A supervisor's ``kill`` (or SIGKILL, or a closed terminal) reaches only the main process of a
run. A pool worker waiting for its next job would never notice and keep its notebook kernel
alive. :func:`die_with_parent` makes a worker end with its parent twice over: Linux sends it
SIGTERM when the parent dies (``prctl(PR_SET_PDEATHSIG)``), and a thread watches the parent id
(other systems, or a parent that died before ``prctl`` took effect). The kernels have their own
watchdog (ipykernel's parent poller, ``JPY_PARENT_PID``) and are also killed by their worker.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

PR_SET_PDEATHSIG = 1
POLL_SECONDS = 0.5
EXIT_ORPHANED = 128 + signal.SIGTERM


def alive(pid: int) -> bool:
    """Whether a process with this id exists (a leftover of a dead one may be removed)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive, not ours to judge
        return True
    return True


def _parent_death_signal(signum: int) -> None:
    if not sys.platform.startswith("linux"):
        return
    # no libc prctl (musl oddities): the watchdog still works
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0)


def die_with_parent(parent_pid: int, on_orphaned: Callable[[], None]) -> None:
    """End this process (after ``on_orphaned``) as soon as ``parent_pid`` is no longer its parent.

    Call it in the child's main thread at start: the death signal then reaches the child's
    SIGTERM handler, the watchdog covers the rest.
    """
    _parent_death_signal(signal.SIGTERM)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(POLL_SECONDS)
        on_orphaned()
        os._exit(EXIT_ORPHANED)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()
