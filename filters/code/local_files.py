"""Reading one file of a local source tree without ever reading something outside it.

A tree given as input may hold things that are not its own source files: a symlink to
`/etc/passwd`, a hardlink to a file elsewhere on the same file system (a hardlink looks
like any regular file, so only its link count gives it away), a FIFO (an `open` that never
returns), a symlink to a folder outside the tree. Each of these is one excluded document
with a reason, like the same members of an archive (`archives.py`): `symlink`, `hardlink`,
`special_file`, `unsafe_path`.

Hardlinks follow tar's rule: tar stores the first name of an inode as a file and every
later one as a link to it, so of a group of names that are all inside the repository the
first (in sorted order) is read and the others are `hardlink`; when the inode has links
outside the repository (its link count is higher than the names found inside), every name
is `hardlink`, because its content belongs to a file we were not given.
"""

from __future__ import annotations

import os
import stat

from filters.code.archives import Entry

_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK  # no symlink; a FIFO opens without blocking


def readable_hardlinks(paths: list[str]) -> dict[str, tuple[int, int]]:
    """For the files of one repository that share an inode with another name: the names
    that may be read, mapped to their (device, inode). Every other name of a multiply
    linked inode is excluded as `hardlink`."""
    groups: dict[tuple[int, int], list[str]] = {}
    counts: dict[tuple[int, int], int] = {}
    for path in paths:
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
            key = (info.st_dev, info.st_ino)
            groups.setdefault(key, []).append(path)
            counts[key] = info.st_nlink
    return {min(names): key for key, names in groups.items() if len(names) >= counts[key]}


def tree_entry(path: str, rel: str, root: str, real_root: str, max_bytes: int,
               hardlinks: dict[str, tuple[int, int]]) -> Entry:
    """One file of a local tree as an Entry: its bytes, or the reason it is not read. `rel`
    is its posix path below `root`; `hardlinks` comes from `readable_hardlinks`."""
    current = root
    for part in rel.split("/"):
        current = os.path.join(current, part)
        if os.path.islink(current):  # the file, or a folder above it: its target may be anywhere
            return Entry(rel, reason="symlink")
    if not os.path.realpath(path).startswith(real_root.rstrip(os.sep) + os.sep):
        return Entry(rel, reason="unsafe_path")
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return Entry(rel, reason="symlink" if os.path.islink(path) else "unreadable_file")
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return Entry(rel, reason="special_file", size=0)
        if info.st_nlink > 1 and hardlinks.get(path) != (info.st_dev, info.st_ino):
            return Entry(rel, reason="hardlink", size=info.st_size)
        if info.st_size > max_bytes:
            return Entry(rel, reason="file_too_large", size=info.st_size)
        try:
            return Entry(rel, data=handle.read(max_bytes + 1), size=info.st_size)
        except OSError:
            return Entry(rel, reason="unreadable_file", size=info.st_size)
