"""What the run's processes set up before papermill and kernels: Jupyter's runtime folder (sockets and
connection files, and the leftovers of killed workers). Apart from ``warm_kernel`` so that a run that starts
no kernel does not import papermill (and nbformat with it) to tidy up.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from jupyter_core.paths import jupyter_runtime_dir

from helpers import lifetime
from helpers.i18n import t

SOCKET_PREFIX = "integrationsmonitor"


def own_files(runtime: Path, pid: int | str = "*") -> list[Path]:
    """Sockets and connection files of the kernel of worker ``pid``, all named ``<prefix>-<pid>-…``."""
    return list(runtime.glob(f"{SOCKET_PREFIX}-{pid}-*"))


def remove_stale_files(runtime: Path) -> None:
    """Sockets and connection files of workers that were killed (SIGKILL leaves no time to clean up)."""
    for path in own_files(runtime):
        try:
            pid = int(path.name.split("-")[1])
        except (IndexError, ValueError):  # not ours to judge
            continue
        if not lifetime.alive(pid):
            path.unlink(missing_ok=True)


def runtime_dir() -> tuple[Path, str | None]:
    """Jupyter's runtime folder (sockets, connection files) and a note for the log when it had to
    move: a read-only HOME gets a private temporary folder instead, exported as
    ``JUPYTER_RUNTIME_DIR`` so that the workers and kernels started afterwards use it too."""
    runtime = Path(jupyter_runtime_dir())
    try:
        runtime.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=runtime).close()
        return runtime, None
    except OSError as error:
        fallback = Path(tempfile.gettempdir()) / f"{SOCKET_PREFIX}-{os.getuid()}-jupyter-runtime"
        fallback.mkdir(mode=0o700, exist_ok=True)  # raises, naming the folder, if /tmp is not writable either
        os.environ["JUPYTER_RUNTIME_DIR"] = str(fallback)
        return fallback, t("briefings_folder_fallback", folder=runtime, error=error.strerror or error,
                           fallback=fallback)

