"""What a stage ran on: its input files (path, size, sha256) and its validated options.

A finished stage is skipped on a rerun, which is only right while it would compute the
same thing: new files behind a source glob, a file rewritten in place, or a changed
option make the old output stale. The runner records this fingerprint when a stage
starts, keeps it in `report.json` when it finishes, and compares on every rerun; a
difference stops the rerun with one line that names it.

Hashing every input once per stage costs little (sha256 runs at about 1 GB/s, the
fastest stage reads about 35 MB/s per core); a rerun hashes again only files whose size
or mtime moved, so an unchanged multi-TB input is checked by `stat` alone.
"""

from __future__ import annotations

import os
from typing import Any

from corpus.sources.manifest import sha256_file


def _stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def input_record(path: str, known: dict[str, dict] | None = None) -> dict:
    """{bytes, mtime, sha256} of a local file (sha256 reused from `known` when size and mtime
    match); URLs and missing files are recorded as such."""
    if "://" in path:
        return {"url": True}
    stat = _stat(path)
    if stat is None:
        return {"missing": True}
    size, mtime = stat
    if not os.path.isfile(path):  # a FIFO would block the hash, a folder cannot be hashed: the reader counts them
        return {"not_a_file": True}
    prev = (known or {}).get(path)
    if prev and prev.get("bytes") == size and prev.get("mtime") == mtime and prev.get("sha256"):
        return {"bytes": size, "mtime": mtime, "sha256": prev["sha256"]}
    return {"bytes": size, "mtime": mtime, "sha256": sha256_file(path)}


def fingerprint(inputs: list[str], options: dict[str, Any], known: dict[str, dict] | None = None) -> dict:
    """The stage's inputs and options as recorded in `report.json["fingerprint"]`."""
    return {"inputs": {p: input_record(p, known) for p in sorted(inputs)}, "options": options}


def _names(paths: list[str], limit: int = 2) -> str:
    shown = ", ".join(os.path.basename(p.rstrip("/")) or p for p in paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def _flat(options: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in options.items():
        if isinstance(value, dict) and value:
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def changes(recorded: dict, inputs: list[str], options: dict[str, Any]) -> list[str]:
    """What differs between a recorded fingerprint and the current inputs and options, as
    short phrases (empty: nothing changed). A file whose size and mtime are unchanged is
    taken as unchanged; one whose mtime moved is hashed before it is called modified."""
    before = recorded.get("inputs", {})
    now = sorted(inputs)
    added = [p for p in now if p not in before]
    removed = [p for p in before if p not in set(now)]
    modified = []
    for path in now:
        old = before.get(path)
        if old is None or "url" in old or "not_a_file" in old:
            continue
        stat = _stat(path)
        if stat is None:
            modified.append(path)
        elif stat[0] != old.get("bytes"):
            modified.append(path)
        elif stat[1] != old.get("mtime") and sha256_file(path) != old.get("sha256"):
            modified.append(path)
    found = []
    if added:
        found.append(f"{len(added)} input file(s) added ({_names(added)})")
    if removed:
        found.append(f"{len(removed)} input file(s) gone ({_names(removed)})")
    if modified:
        found.append(f"{len(modified)} input file(s) modified ({_names(modified)})")
    old_opts, new_opts = _flat(recorded.get("options", {})), _flat(options)
    for key in sorted(old_opts.keys() | new_opts.keys()):
        if old_opts.get(key, "(unset)") != new_opts.get(key, "(unset)"):
            found.append(f"option {key}: {old_opts.get(key, '(unset)')!r} -> {new_opts.get(key, '(unset)')!r}")
    return found
