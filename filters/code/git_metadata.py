"""The commit a git checkout is at, read from `.git/` without ever leaving the tree.

A document records the commit of its checkout (`extra.commit`) so it can be traced to the
exact source version. `.git/HEAD` and the refs are files an input tree controls, so a
hostile tree could point them anywhere: `ref: ../../../etc/passwd`, HEAD as a symlink to a
secret or to `/dev/zero` (a read that never ends), HEAD as a FIFO (an open that never
returns). So every file here is opened one path component at a time relative to the
`.git` folder (`openat` with `O_NOFOLLOW`: no symlink anywhere on the way), must be a
regular file (`O_NONBLOCK` so a FIFO cannot block the open), is read to a few kB at most,
and what it holds is used only if it is a commit id. A ref name must look like one
(`refs/...`, git's check-ref-format rules), so `..` never reaches the file system.
"""

from __future__ import annotations

import os
import re
import stat

MAX_HEAD_BYTES = 4096
"""HEAD and a loose ref hold one line (41 bytes for SHA-1, 65 for SHA-256)."""
MAX_PACKED_REFS_BYTES = 64 << 20
"""packed-refs of the largest public repositories (Chromium, the kernel with every tag) stay
well under this; a bigger file is not read."""

_COMMIT = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1, or SHA-256 object format
# git check-ref-format: no component starts with "." or ends with ".lock", no "..", no
# control characters, space, ~ ^ : ? * [ \ or "@{"
_REF = re.compile(r"refs/(?:[^\x00-\x20\x7f~^:?*\[\\/.][^\x00-\x20\x7f~^:?*\[\\/]*/)*"
                  r"[^\x00-\x20\x7f~^:?*\[\\/.][^\x00-\x20\x7f~^:?*\[\\/]*")
_DIR_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_DIRECTORY", 0)
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK


def _read_inside(root_fd: int, parts: list[str], limit: int) -> bytes | None:
    """The first `limit` bytes of the regular file `parts` below the folder `root_fd`, or
    None if any component is a symlink, the file is not regular, or it is larger than `limit`."""
    fds = []
    try:
        current = root_fd
        for part in parts[:-1]:
            current = os.open(part, _DIR_FLAGS, dir_fd=current)
            fds.append(current)
        fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=current)
        fds.append(fd)
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        return os.read(fd, limit)
    except OSError:  # missing, a symlink (ELOOP), not a folder, unreadable
        return None
    finally:
        for fd in reversed(fds):
            os.close(fd)


def _commit(data: bytes | None) -> str | None:
    if data is None:
        return None
    value = data.decode("ascii", "replace").strip()
    return value if _COMMIT.fullmatch(value) else None


def _packed_ref(data: bytes | None, ref: str) -> str | None:
    for line in (data or b"").decode("utf-8", "replace").splitlines():
        value, _, name = line.strip().partition(" ")
        if name == ref and _COMMIT.fullmatch(value):
            return value
    return None


def git_head(root: str | os.PathLike) -> str | None:
    """The commit id HEAD points at (directly, through a loose ref, or through packed-refs),
    or None when there is none or reading it would leave the checkout."""
    try:
        git_fd = os.open(os.path.join(root, ".git"), _DIR_FLAGS)
    except OSError:  # no .git, a .git file (worktree, submodule), or a symlinked .git
        return None
    try:
        head = _read_inside(git_fd, ["HEAD"], MAX_HEAD_BYTES)
        if head is None:
            return None
        text = head.decode("ascii", "replace").strip()
        if not text.startswith("ref:"):
            return _commit(head)
        ref = text[4:].strip()
        if not _REF.fullmatch(ref) or ".." in ref or "@{" in ref or ref.endswith(".lock"):
            return None
        parts = ref.split("/")
        return (_commit(_read_inside(git_fd, parts, MAX_HEAD_BYTES))
                or _packed_ref(_read_inside(git_fd, ["packed-refs"], MAX_PACKED_REFS_BYTES), ref))
    finally:
        os.close(git_fd)
