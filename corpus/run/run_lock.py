"""One run at a time per directory: a lock that names its holder and dies with it.

Two `jacorpus` processes writing one stage directory rename each other's files away
(datatrove's workers move `*.partial` files into place). A stage or run directory is
therefore locked while it is written: `flock` on `<dir>/.jacorpus/lock`, whose content
names the holder (pid, host, start, command) so the refusal can say who has it.

- flock is released by the kernel when its holder dies, so a crashed run never leaves a
  lock behind on this host; forked workers share the lock while they live.
- Forked workers are also told to die with the process that holds the lock
  (`PR_SET_PDEATHSIG`): killing only the main process must not leave a pool renaming files
  under the next run. datatrove's `multiprocess.Manager` would otherwise outlive it forever.
- Where the file system has no flock (some network mounts), the recorded pid decides: a
  holder on this host whose process is gone (or whose pid now belongs to another process)
  is taken over. A holder on another host is never second-guessed: the message names the
  file to delete once that run is known to be gone.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import socket
import sys
import time
from pathlib import Path

from corpus.config import ConfigError

LOCK_NAME = "lock"
PR_SET_PDEATHSIG = 1

_held_locks = 0  # how many DirectoryLocks this process holds (forks only die with us meanwhile)
_forking_pid = 0


class LockedError(ConfigError):
    """The directory is being written by another run; phrased as one line."""


def _start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (tells a reused pid from its first owner)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid: int, ticks: int | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    now = _start_ticks(pid)
    return ticks is None or now is None or now == ticks


def _die_with_parent() -> None:
    """In a child forked while a lock is held: be killed when the forking thread dies."""
    if not _held_locks or not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != _forking_pid:  # the parent died between fork and prctl
        os._exit(1)


def _remember_parent() -> None:
    global _forking_pid
    _forking_pid = os.getpid()


os.register_at_fork(before=_remember_parent, after_in_child=_die_with_parent)


class DirectoryLock:
    """`with DirectoryLock(path, "stage ingest_web"):` holds `path/.jacorpus/lock` or raises LockedError."""

    def __init__(self, directory: str | Path, what: str):
        self.directory = Path(directory)
        self.path = self.directory / ".jacorpus" / LOCK_NAME
        self.what = what
        self._fd: int | None = None

    def _holder(self) -> dict:
        try:
            return json.loads(Path(self.path).read_text() or "{}")
        except (OSError, ValueError):
            return {}

    def _refusal(self, holder: dict, why: str) -> LockedError:
        who = (f"pid {holder.get('pid', '?')} on {holder.get('host', '?')} since {holder.get('started', '?')}"
               f" ({holder.get('what', 'a jacorpus run')})")
        return LockedError(f"{self.directory}: in use by {who}; {why}")

    def acquire(self) -> "DirectoryLock":
        global _held_locks
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                has_flock = True
            except BlockingIOError:
                raise self._refusal(self._holder(), "wait for it to finish or stop it (its workers too)") from None
            except OSError as err:
                if err.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                    raise
                has_flock = False
            holder = self._holder()
            if holder.get("pid"):
                if holder.get("host") != socket.gethostname():
                    raise self._refusal(holder, f"if that run is gone, delete {self.path}")
                if not has_flock and holder["pid"] != os.getpid() and _alive(holder["pid"], holder.get("ticks")):
                    raise self._refusal(holder, "wait for it to finish or stop it")
                # else: a stale lock of a dead process on this host: taken over
            record = {"pid": os.getpid(), "host": socket.gethostname(), "ticks": _start_ticks(os.getpid()),
                      "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "what": self.what,
                      "command": " ".join(sys.argv)[:300]}
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(record).encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        _held_locks += 1
        return self

    def release(self) -> None:
        global _held_locks
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)  # a clean exit leaves no holder to second-guess
        finally:
            os.close(self._fd)  # closing releases the flock
            self._fd = None
            _held_locks -= 1

    def __enter__(self) -> "DirectoryLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
