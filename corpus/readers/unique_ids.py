"""Document ids that stay unique in a run, whatever the inputs repeat.

An id names a document from its source (`web/<WARC-Record-ID>`, `wiki/<dbname>/<page id>`,
`code/<repo>/<path>`), and the sources can repeat themselves: one file listed by two
source manifests or matched by two globs, a file copied under another name, two `<page>`s
with one `<id>` in a dump, one WARC-Record-ID on two records. Two documents with one id
break everything keyed by id downstream (dedup's tie-break, `jacorpus inspect`, joins).

The ingest readers share two mechanisms:

- `unique_inputs`: an input that is the same file as an earlier one (same path, a link
  to it, or a copy with the same size and sha256) is read once; the repeats are counted
  (`duplicate_inputs`). Computed from the file list alone, so every task agrees.
- `UniqueIds`: within one reading unit (a WARC file, a dump or a range of it, a
  repository or archive), a repeated id gets `#dup<n>` (n = 1 for the second copy) and
  `duplicate_id_of` in its metadata, and is counted (`duplicate_ids`). Nothing is dropped:
  two different pages under one id are both kept, and two identical ones are left to the
  dedup stage, which counts them as duplicates.

Repeats across different files that are not copies of each other (two dumps of one wiki
from different dates) need every task's ids, so the stage runner renames them once all tasks
are done, with the same `#dup<n>` numbering: `corpus.run.unique_ids_across_files`.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from datatrove.data import Document

_NUMBERED = re.compile(r"(.*)/(\d{1,8})")  # page ids below 10^8: a bitset of at most 12.5 MB
_DUP = "#dup"


def id_digest(doc_id: str) -> int:
    """A stable 64-bit digest of an id (the same in every process, unlike `hash`)."""
    return int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


class UniqueIds:
    """The ids of one reading unit. Memory: ids ending in a number (wiki page ids) take one
    bit per possible number (below 10^8) in a bitset per prefix (jawiki's ids, up to about
    5M: 640 kB); other
    ids one 64-bit digest each (a 40,000-record WARC: about 3 MB)."""

    def __init__(self) -> None:
        self._bits: dict[str, bytearray] = {}
        self._digests: set[int] = set()
        self._repeats: dict[str, int] = {}

    def _seen_before(self, doc_id: str) -> bool:
        numbered = _NUMBERED.fullmatch(doc_id)
        if numbered:
            bits = self._bits.setdefault(numbered.group(1), bytearray())
            n = int(numbered.group(2))
            if len(bits) <= n >> 3:
                bits.extend(bytes(max((n >> 3) + 1 - len(bits), len(bits))))
            seen = bits[n >> 3] >> (n & 7) & 1
            bits[n >> 3] |= 1 << (n & 7)
            return bool(seen)
        digest = id_digest(doc_id)
        if digest in self._digests:
            return True
        self._digests.add(digest)
        return False

    def claim(self, doc_id: str) -> str:
        """`doc_id`, or `doc_id#dup<n>` when this unit already gave it out."""
        if not self._seen_before(doc_id):
            return doc_id
        n = self._repeats.get(doc_id, 0) + 1
        self._repeats[doc_id] = n
        return f"{doc_id}{_DUP}{n}"


def unique_documents(documents: Iterable[Document], count) -> Iterator[Document]:
    """The documents of one reading unit with repeated ids renamed; `count(n)` is told of
    each rename (a step's `stat_update`)."""
    ids = UniqueIds()
    for doc in documents:
        claimed = ids.claim(doc.id)
        if claimed != doc.id:
            doc.metadata["duplicate_id_of"] = doc.id
            doc.id = claimed
            count(1)
        yield doc


def _identity(path: str, by_inode: bool) -> tuple:
    if "://" in path and not path.startswith("file://"):
        return ("url", path)
    local = path.removeprefix("file://")
    if by_inode:
        try:
            st = os.stat(local)
            return ("inode", st.st_dev, st.st_ino)
        except OSError:
            pass
    return ("path", os.path.realpath(local))


def _sha256(path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path.removeprefix("file://"), "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def unique_inputs(paths: Iterable[str], copies: bool = True) -> tuple[list[str], dict[str, int]]:
    """(the inputs with every repeat of a file removed, {kept path: repeats removed}).

    The first path in sorted order stands for its file. A repeat is the same path, a link
    to the same file, or (`copies`) a file with the same size and sha256; only files of
    equal size are hashed, so a run of distinct files costs one `stat` each. Source trees
    pass `copies=False`: two repositories may well hold the same file, and each is a
    document of its own repository (links inside a tree are `local_files.py`'s to judge)."""
    first: dict[tuple, str] = {}
    repeats: dict[str, int] = {}
    kept: list[str] = []
    for path in sorted(paths):
        key = _identity(path, by_inode=copies)
        if key in first:
            repeats[first[key]] = repeats.get(first[key], 0) + 1
            continue
        first[key] = path
        kept.append(path)
    by_size: dict[int, list[str]] = {}
    for path in kept if copies else ():
        if "://" in path and not path.startswith("file://"):
            continue
        try:
            st = os.stat(path.removeprefix("file://"))
        except OSError:
            continue
        if st.st_size and os.path.isfile(path.removeprefix("file://")):
            by_size.setdefault(st.st_size, []).append(path)
    copies: set[str] = set()
    for same_size in by_size.values():
        if len(same_size) < 2:
            continue
        owner: dict[str, str] = {}
        for path in same_size:
            digest = _sha256(path)
            if digest is None:
                continue
            if digest in owner:
                copies.add(path)
                repeats[owner[digest]] = repeats.get(owner[digest], 0) + 1 + repeats.pop(path, 0)
            else:
                owner[digest] = path
    return [p for p in kept if p not in copies], repeats


def duplicate_id_count(stage_dir: Path) -> int:
    """Ids written more than once in a stage (kept and excluded shards together): 0 once the
    runner made them unique (`corpus.run.unique_ids_across_files`). Reads the id column only."""
    from corpus.formats.shard_files import column_values

    seen: set[int] = set()
    repeated = 0
    for doc_id in column_values([stage_dir / "shards", stage_dir / "excluded"], "id"):
        digest = id_digest(doc_id or "")
        if digest in seen:
            repeated += 1
        else:
            seen.add(digest)
    return repeated
