"""One writer at a time, and all-or-nothing commits for data/raw, data/processed and data/updates.

Writers (``data import``, ``data update``, ``data build``, a stale ``store.load``) hold an exclusive lock
on the data folder (``flock`` on the folder itself: no lock file is left behind, and the kernel drops
the lock of a killed process); a second writer waits at most ``INTEGRATIONSMONITOR_DATA_WAIT`` seconds,
then gives up with :class:`Busy` (exit 75).

A :class:`Transaction` stages every new file in ``<data>/.transaction-<time>-<pid>/`` (the same file
system, so moving a file in is one rename), lets the caller validate all of it, then writes its
journal – the commit point – and replays it: renames, removals, links, each safe to repeat. A process
killed before the journal leaves only its staging folder (discarded by the next writer: nothing
changed); killed after it, the next writer replays the journal to the end. Either way it says so in
one line. SIGINT and SIGTERM arriving during the replay wait until it is complete.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

from helpers import lifetime

WAIT_ENV = "INTEGRATIONSMONITOR_DATA_WAIT"
DEFAULT_WAIT = 120.0  # seconds: a whole update of every table takes about a minute on two cores
PREFIX = ".transaction-"
JOURNAL = "journal.json"
EXIT_BUSY = 75
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


class Busy(RuntimeError):
    """Another writer held the data folder's lock for longer than the wait: nothing was changed (exit 75)."""


class NoSpace(Exception):
    """A folder ran out of space while staging: nothing was changed; the message names the folder."""


class Incomplete(RuntimeError):
    """A commit past its journal could not be replayed to the end; the next writer completes it."""


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM: like Ctrl+C, whichever of the two it was (exit 128 + signum)."""

    def __init__(self, signum: int = signal.SIGINT, committed: bool = False) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.committed = committed  # the signal came during a commit, which was completed first


# --- the writer lock ------------------------------------------------------------------------

_held: dict[Path, list[int]] = {}  # folder → [file descriptor, depth]: re-entrant within a process
_guard = threading.Lock()


def wait_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get(WAIT_ENV, DEFAULT_WAIT)))
    except ValueError:
        return DEFAULT_WAIT


@contextlib.contextmanager
def writing(*folders: Path, wait: float | None = None):
    """Hold the writer lock of each data folder (created if missing); on first taking it, complete or discard
    what an interrupted writer left (:func:`recover`, one line on stderr each). :class:`Busy` after ``wait``."""
    keys = sorted({Path(f).resolve() for f in folders})
    taken = []
    try:
        for key in keys:
            if _acquire(key, wait_seconds() if wait is None else wait):
                for line in recover(key):
                    print(line, file=sys.stderr)
            taken.append(key)
        yield
    finally:
        for key in reversed(taken):
            _release(key)


def _acquire(folder: Path, wait: float) -> bool:
    """Take the lock of ``folder``; True when this process did not hold it yet."""
    with _guard:
        if folder in _held:
            _held[folder][1] += 1
            return False
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    deadline = time.monotonic() + wait
    told = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Busy(f"Ein anderer Schreibvorgang (data import, data update oder data build) ändert gerade "
                               f"{folder}; nach {wait:g} s Warten aufgegeben. Es wurde nichts verändert; später erneut "
                               f"versuchen (Wartezeit in Sekunden: {WAIT_ENV}).") from None
                if not told:
                    print(f"Warte auf einen anderen Schreibvorgang in {folder} (höchstens {wait:g} s) …",
                          file=sys.stderr)
                    told = True
                time.sleep(0.1)
    except BaseException:
        os.close(fd)
        raise
    with _guard:
        _held[folder] = [fd, 1]
    return True


def _release(folder: Path) -> None:
    with _guard:
        entry = _held[folder]
        entry[1] -= 1
        if entry[1]:
            return
        del _held[folder]
    os.close(entry[0])  # closing drops the flock


def pending(data_dir: Path) -> bool:
    """Whether an interrupted writer left a transaction in ``data_dir`` (cheap: one glob, no lock)."""
    return any(_dead(folder) for folder in Path(data_dir).glob(PREFIX + "*"))


def _dead(folder: Path) -> bool:
    pid = folder.name.rsplit("-", 1)[-1]
    return not (pid.isdigit() and (int(pid) == os.getpid() or lifetime.alive(int(pid))))


def recover(data_dir: Path) -> list[str]:
    """Complete every committed transaction a killed writer left in ``data_dir`` and discard the uncommitted
    ones; one German line each. Only under the lock: a living writer would hold it."""
    lines = []
    for folder in sorted(Path(data_dir).glob(PREFIX + "*")):
        if not folder.is_dir() or not _dead(folder):
            continue
        started = _started(folder)
        try:
            record = json.loads((folder / JOURNAL).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # no journal (written atomically): the commit point was never reached
            shutil.rmtree(folder, ignore_errors=True)
            lines.append(f"Reste eines abgebrochenen Schreibvorgangs vom {started} entfernt ({folder.name}); die Daten "
                         "waren unverändert geblieben.")
            continue
        _replay(record["steps"])
        shutil.rmtree(folder, ignore_errors=True)
        lines.append(f"Ein unterbrochener Schreibvorgang vom {started} ({record.get('what', '')}) wurde abgeschlossen: "
                     f"Die Daten sind jetzt vollständig auf seinem neuen Stand.")
    return lines


def _started(folder: Path) -> str:
    stamp = folder.name.removeprefix(PREFIX)[:15]
    try:
        return dt.datetime.strptime(stamp, "%Y%m%d-%H%M%S").strftime("%d.%m.%Y, %H:%M:%S Uhr")
    except ValueError:
        return folder.name


# --- staging and committing -----------------------------------------------------------------

class Transaction:
    """The staging folder of one commit. Stage files under :meth:`path`, name what they replace with
    :meth:`move`, :meth:`remove` and :meth:`link`, validate, then :meth:`commit`. Leaving the ``with``
    block without a commit discards the staging folder; a full disk while staging is :class:`NoSpace`."""

    def __init__(self, data_dir: Path, what: str) -> None:
        self.data_dir = Path(data_dir)
        self.what = what
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.folder = self.data_dir / f"{PREFIX}{stamp}-{os.urandom(3).hex()}-{os.getpid()}"
        self.steps: list[list[str]] = []
        self.committing = False  # between the journal and the end of its replay

    def __enter__(self) -> Transaction:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with no_space_in(self.data_dir):
            self.folder.mkdir()
        return self

    def __exit__(self, kind, error, trace) -> None:
        if self.committing:  # the replay failed midway: the journal stays for the next writer to complete
            raise Incomplete(f"Der Schreibvorgang wurde begonnen, aber nicht abgeschlossen ({error}); der nächste "
                             "data- oder briefings-Befehl schließt ihn aus dem Journal ab.") from error
        shutil.rmtree(self.folder, ignore_errors=True)
        if isinstance(error, OSError) and _is_no_space(error):
            raise NoSpace(no_space_message(_full_folder(error, self.data_dir))) from error

    def path(self, *parts: str) -> Path:
        return self.folder.joinpath(*parts)

    def raw_copy(self, raw_dir: Path) -> Path:
        """A copy of ``raw_dir`` to change and validate: hard links (no space, no time), which is safe because
        nothing here writes a file in place (new files are written aside and renamed)."""
        trial = self.path("raw")
        shutil.copytree(raw_dir, trial, symlinks=True, copy_function=_link_or_copy)
        return trial

    def move(self, staged: Path, target: Path) -> None:
        self.steps.append(["move", str(staged), str(target)])

    def remove(self, target: Path) -> None:
        self.steps.append(["remove", str(target)])

    def link(self, target: Path, points_to: str) -> None:
        """Make ``target`` a symbolic link to ``points_to`` (relative text), replacing what is there in one rename."""
        self.steps.append(["link", str(target), points_to])

    def stage_raw(self, trial: Path, raw_dir: Path) -> None:
        """Moves and removals that turn ``raw_dir`` into ``trial``: changed files by their hash in datapackage.json,
        datapackage.json itself last among them."""
        from helpers.data import datapackage

        old = {r["path"]: r.get("hash") for r in datapackage.read_package(raw_dir)["resources"]}
        new = {r["path"]: r.get("hash") for r in datapackage.read_package(trial)["resources"]}
        for rel in sorted(rel for rel, digest in new.items() if old.get(rel) != digest or not (raw_dir / rel).exists()):
            self.move(trial / rel, raw_dir / rel)
        for rel in sorted(old.keys() - new.keys()):
            self.remove(raw_dir / rel)
        self.move(trial / datapackage.PACKAGE_FILE, raw_dir / datapackage.PACKAGE_FILE)

    def commit(self) -> None:
        """Write the journal (the commit point), then replay it; SIGINT/SIGTERM wait until it is done."""
        with _deferred_signals():
            tmp = self.path(JOURNAL + ".part")
            with no_space_in(self.data_dir):
                tmp.write_text(json.dumps({"what": self.what, "steps": self.steps}, ensure_ascii=False),
                               encoding="utf-8")
            os.replace(tmp, self.path(JOURNAL))
            self.committing = True
            _replay(self.steps)
            self.committing = False
            shutil.rmtree(self.folder, ignore_errors=True)


def _replay(steps: list[list[str]]) -> None:
    for step in steps:
        kind, target = step[0], Path(step[2] if step[0] == "move" else step[1])
        if kind == "move":
            staged = Path(step[1])
            if staged.exists() or staged.is_symlink():  # else moved before an interruption
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, target)
        elif kind == "remove":
            _remove(target)
        else:
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)  # a copied folder where a link belongs (never made by a commit)
            tmp = target.with_name(f".{target.name}.link-{os.getpid()}")
            _remove(tmp)
            os.symlink(step[2], tmp)
            os.replace(tmp, target)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


@contextlib.contextmanager
def _deferred_signals():
    """SIGINT/SIGTERM during the block are kept and raised (:class:`Interrupted`, ``committed``) after it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum))
                for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if caught:
        raise Interrupted(caught[0], committed=True)


@contextlib.contextmanager
def sigterm_interrupts():
    """SIGTERM (``kill``, a scheduler's timeout) ends a data command the way Ctrl+C does: staged work is discarded."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise Interrupted(signum)

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- a full disk --------------------------------------------------------------------------------

def _is_no_space(error: BaseException) -> bool:
    """ENOSPC/EDQUOT, also from libraries that keep only the text (pyarrow: ``[errno 28] No space left``)."""
    text = str(error)
    return getattr(error, "errno", None) in _NO_SPACE or "No space left" in text or "errno 28" in text.lower()


def _full_folder(error: OSError, fallback: Path) -> Path:
    name = getattr(error, "filename", None)
    return Path(name).parent if name else fallback


def no_space_message(folder: Path) -> str:
    return (f"Kein Platz mehr in {folder} (Datenträger voll oder Kontingent erschöpft). Es wurde nichts verändert; "
            "Platz schaffen und den Befehl wiederholen.")


@contextlib.contextmanager
def no_space_in(folder: Path):
    """A full disk while writing into ``folder`` becomes :class:`NoSpace` naming the folder (no traceback)."""
    try:
        yield
    except OSError as error:
        if not _is_no_space(error):
            raise
        raise NoSpace(no_space_message(_full_folder(error, folder))) from error
