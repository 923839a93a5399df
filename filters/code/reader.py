"""The code reader: repositories, archives and Stack-style parquet in, one Document per file out.

Every file that is not history (`.git/`) becomes a document, the unreadable ones too:
those carry `reason` (symlink, unsafe_path, file_too_large, binary_file, undecodable,
archive_bomb...) and `ExcludeMarked` sends them to the excluded shards, so a refused
file is counted, never silently lost.

Each document carries its repository's licence (`licence_detection.py`), or the licence
its own `SPDX-License-Identifier:` header declares.
"""

from __future__ import annotations

import os
import re
import tarfile
import zipfile
import zlib
from typing import Iterator

from datatrove.data import Document

from corpus.readers.file_names import display_name
from corpus.readers.path_list import PathListReader
from corpus.readers.unique_ids import unique_documents, unique_inputs
from filters.code.archives import ArchiveLimits, ArchiveReader, ArchiveRefused, Entry, archive_stem, is_archive
from filters.code.languages import language_of
from filters.code.local_files import readable_hardlinks, tree_entry
from filters.code.licence_detection import (
    COVERAGE_THRESHOLD, MAX_EVIDENCE_BYTES, LicenceResult, detect_licence, is_evidence_file, spdx_header,
)
from filters.code.git_metadata import git_head
from filters.code.repos import RepoDir, is_vcs_internal, plan_units
from filters.licence.spdx import UNKNOWN
from filters.code.stack_parquet import SchemaMismatch, iter_rows

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
BINARY_SNIFF_BYTES = 8000  # git's buffer_is_binary(): a NUL in the first 8000 bytes


def decode_source(data: bytes) -> tuple[str | None, str]:
    """(text, charset) or (None, reason). UTF-8 first; then the legacy Japanese encodings
    (Shift_JIS/CP932, EUC-JP) that older Japanese code is saved in, accepted only when the
    result holds Japanese characters (random Latin-1 bytes often decode as CP932 too)."""
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        return None, "binary_file"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    for charset in ("cp932", "euc_jp"):
        try:
            text = data.decode(charset)
        except UnicodeDecodeError:
            continue
        if _JAPANESE.search(text):
            return text, charset
    return None, "undecodable"


def _as_text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


class CodeReader(PathListReader):
    """Reads code inputs; datatrove tasks split the work by repository, archive and parquet file."""

    name = "📖 code"
    reads_directories = True  # a reading unit is a repository folder
    _requires_dependencies = ["licenseclassifier", ("license_expression", "license-expression")]

    def __init__(
        self,
        paths: list[str],
        datasets: dict[str, str] | None = None,
        fallback_licences: dict[str, str] | None = None,
        limits: ArchiveLimits | None = None,
        coverage_threshold: float = COVERAGE_THRESHOLD,
        honour_spdx_headers: bool = True,
        default_dataset: str = "code",
        limit: int = -1,
    ):
        datasets = datasets or {}
        # a file listed twice (two sources, overlapping globs) is one document; an archive or
        # parquet file copied under another name is read once too (corpus.readers.unique_ids)
        files = [p for p in paths if not (is_archive(p) or p.lower().endswith(".parquet"))]
        units = [p for p in paths if p not in set(files)]
        files, repeated = unique_inputs(files, copies=False)
        units, repeated_units = unique_inputs(units)
        groups: dict[str, list[str]] = {}
        for path in files + units:
            groups.setdefault(datasets.get(path, default_dataset), []).append(path)
        plan = plan_units(sorted(groups.items()))
        self._repos: dict[str, RepoDir] = plan.repos
        self._datasets = {**plan.archives, **plan.parquets}
        self._repo_names = _distinct_names(plan)
        self._repeated_inputs = _repeats_by_unit(plan, {**repeated, **repeated_units})
        super().__init__(list(plan.repos) + list(plan.archives) + list(plan.parquets), limit=limit)
        self.fallback_licences = fallback_licences or {}
        self.limits = limits or ArchiveLimits()
        self.coverage_threshold = coverage_threshold
        self.honour_spdx_headers = honour_spdx_headers

    # -- one reading unit --------------------------------------------------------------

    def read_path(self, path: str) -> Iterator[Document]:
        if self._repeated_inputs.get(path):
            self.stat_update("duplicate_inputs", value=self._repeated_inputs[path])
        yield from unique_documents(self._read_unit(path), lambda n: self.stat_update("duplicate_ids", value=n))

    def _read_unit(self, path: str) -> Iterator[Document]:
        if path in self._repos:
            yield from self._read_repo(self._repos[path])
        elif is_archive(path):
            yield from self._read_archive(path, self._datasets.get(path, "code"))
        else:
            yield from self._read_parquet(path, self._datasets.get(path, "code"))

    def excluded(self, doc_id: str, reason: str, path: str, text: str = "", **metadata) -> Document:
        """As PathListReader's, with names that are not UTF-8 made writable (file_names.py)."""
        return super().excluded(display_name(doc_id)[0], reason, display_name(path)[0], text, **metadata)

    def _licence(self, evidence: dict[str, bytes], dataset: str) -> LicenceResult:
        texts = {name: _as_text(data) for name, data in evidence.items()}
        return detect_licence(texts, self.fallback_licences.get(dataset), self.coverage_threshold)

    def _read_repo(self, repo: RepoDir) -> Iterator[Document]:
        evidence = {}
        for rel in _evidence_candidates(repo.root):
            full = os.path.join(repo.root, *rel.split("/"))
            if os.path.isfile(full) and not os.path.islink(full):
                try:
                    with open(full, "rb") as f:
                        evidence[rel] = f.read(MAX_EVIDENCE_BYTES)
                except OSError:
                    self.stat_update("evidence_files_unreadable")  # the file itself is counted below
        licence = self._licence(evidence, repo.dataset)
        commit = git_head(repo.root)
        if repo.vcs_internal:
            self.stat_update("vcs_internal_files", value=repo.vcs_internal)
        real_root = os.path.realpath(repo.root)
        hardlinks = readable_hardlinks(repo.files)
        for path in sorted(repo.files):
            rel = os.path.relpath(path, repo.root).replace(os.sep, "/")
            entry = tree_entry(path, rel, repo.root, real_root, self.limits.max_member_bytes, hardlinks)
            entry.path, entry.name_encoding = display_name(rel)
            yield self._document(self._repo_names.get(repo.root, repo.name), entry, repo.dataset, licence,
                                 commit=commit)

    def _read_archive(self, path: str, dataset: str) -> Iterator[Document]:
        reader = ArchiveReader(path, self.limits, is_evidence_file)
        try:
            listing = reader.scan()
        except ArchiveRefused as refused:
            self.stat_update(f"archives_refused_{refused.reason}")
            name = os.path.basename(path)
            yield self.excluded(f"code/{name}", refused.reason, path, text="", source="code", dataset=dataset,
                                repo=name, detail=str(refused))
            return
        licence = self._licence(listing.evidence, dataset)
        self.stat_update("archives")
        try:
            for entry in reader.entries(listing):
                if is_vcs_internal(entry.path):
                    self.stat_update("vcs_internal_files")
                    continue
                yield self._document(listing.repo, entry, dataset, licence, archive=os.path.basename(path))
        except (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
            # the archive changed or broke after its first pass: the rest is one counted loss
            yield self.excluded(f"code/{listing.repo}#rest", "corrupt_archive", path, text="", source="code",
                                dataset=dataset, repo=listing.repo, detail=f"{type(err).__name__}: {err}")

    def _read_parquet(self, path: str, dataset: str) -> Iterator[Document]:
        stem = os.path.basename(path).rsplit(".", 1)[0]
        try:
            rows = iter_rows(path)
            first = next(rows, None)
        except SchemaMismatch as err:
            yield self.excluded(f"code/{stem}", "unsupported_parquet_schema", path, text="", source="code",
                                dataset=dataset, detail=str(err))
            return
        for row in ([first] if first is not None else []):
            yield self._stack_document(row, path, stem, dataset)
        for row in rows:
            yield self._stack_document(row, path, stem, dataset)

    def _stack_document(self, row, path: str, stem: str, dataset: str) -> Document:
        repo = row.repo or stem
        rel = row.path or f"row{row.index}"
        licence = LicenceResult(row.licence, f"{os.path.basename(path)}#licence column", 1.0) if row.licence else \
            LicenceResult(UNKNOWN, "", 0.0)
        if row.reason:  # a cell that is not UTF-8, or a row group that cannot be read
            entry = Entry(rel, reason=row.reason)
        elif row.content is None:
            entry = Entry(rel, reason="missing_content")
        else:
            data = row.content.encode("utf-8") if isinstance(row.content, str) else bytes(row.content)
            entry = Entry(rel, data=data, size=len(data))
            if len(data) > self.limits.max_member_bytes:
                entry = Entry(rel, reason="file_too_large", size=len(data))
        doc = self._document(repo, entry, dataset, licence)
        if row.language:
            doc.metadata["language"] = row.language
        return doc

    # -- one file ----------------------------------------------------------------------

    def _document(self, repo: str, entry: Entry, dataset: str, licence: LicenceResult, **extra) -> Document:
        repo = display_name(repo)[0]
        doc_id = f"code/{repo}/{entry.path}"
        language, _ = language_of(entry.path)
        meta = {"source": "code", "dataset": dataset, "repo": repo, "language": language or "unknown",
                **licence.metadata(), "bytes": entry.size,
                **{k: display_name(v)[0] if isinstance(v, str) else v for k, v in extra.items() if v is not None}}
        if entry.name_encoding != "utf-8":
            meta["path_encoding"] = entry.name_encoding
        if entry.reason:
            return self.excluded(doc_id, entry.reason, entry.path, text="", **meta)
        text, charset = decode_source(entry.data or b"")
        if text is None:
            return self.excluded(doc_id, charset, entry.path, text="", **meta)
        meta["charset"] = charset
        if self.honour_spdx_headers and (declared := spdx_header(text)) and declared != licence.licence:
            meta.update(licence=declared, licence_evidence=f"{entry.path}#SPDX-License-Identifier",
                        licence_confidence=1.0)
        return Document(text=text, id=doc_id, metadata={"path": entry.path, **meta})


def _distinct_names(plan) -> dict[str, str]:
    """Repository names that make ids unique across units: a tree named like an earlier
    unit (two `requests/` folders from two sources) becomes `requests~2`. Archives keep the
    name their top folder gives them; a tree yields to them."""
    taken = {archive_stem(p) for p in plan.archives} | {os.path.basename(p).rsplit(".", 1)[0] for p in plan.parquets}
    names: dict[str, str] = {}
    for root in sorted(plan.repos):
        base = plan.repos[root].name
        name, k = base, 1
        while name in taken:
            k += 1
            name = f"{base}~{k}"
        taken.add(name)
        if name != base:
            names[root] = name
    return names


def _repeats_by_unit(plan, repeated: dict[str, int]) -> dict[str, int]:
    """Repeated inputs counted on the unit that reads the kept copy."""
    owner = {f: root for root, repo in plan.repos.items() for f in repo.files}
    out: dict[str, int] = {}
    for path, n in repeated.items():
        unit = owner.get(os.path.abspath(path), os.path.abspath(path))
        out[unit] = out.get(unit, 0) + n
    return out


def _evidence_candidates(root: str) -> list[str]:
    try:
        names = os.listdir(root)
    except OSError:
        return []
    out = [n for n in names if is_evidence_file(n)]
    reuse = os.path.join(root, "LICENSES")
    if os.path.isdir(reuse) and not os.path.islink(reuse):
        out += [f"LICENSES/{n}" for n in os.listdir(reuse) if is_evidence_file(f"LICENSES/{n}")]
    return sorted(out)

