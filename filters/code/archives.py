"""Reading source archives (.tar.gz, .tgz, .tar.bz2, .tar.xz, .tar, .zip) without extracting them.

Nothing is ever written to disk: members are read into memory one at a time, so a
member named `../../etc/passwd` or `/etc/passwd` cannot land outside the work dir. It is
still refused (`unsafe_path`), as are links (`symlink`, `hardlink`: their targets may
point anywhere) and devices or fifos (`special_file`).

Archive bombs are refused whole, before any member is read, from what the headers
declare: too many members, too many bytes in total, or a compression ratio no source
tree has (Fifield, "A better zip bomb", 2019, reaches 28,000,000:1; source tarballs
compress 3-10:1). Python's zipfile docs ("Decompression pitfalls") ask for exactly these
checks. Header sizes cannot lie for tar; for zip, a member that decompresses to more than
it declared fails its CRC/size check and is refused as `corrupt_member`.
"""

from __future__ import annotations

import os
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Iterator

from corpus.readers.file_names import display_name
from filters.code.file_names import zip_member_name
from filters.code.licence_detection import MAX_EVIDENCE_BYTES as MAX_EVIDENCE_READ

TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar")
ZIP_SUFFIXES = (".zip",)
ARCHIVE_SUFFIXES = TAR_SUFFIXES + ZIP_SUFFIXES


def is_archive(path: str) -> bool:
    return path.lower().endswith(ARCHIVE_SUFFIXES)


def archive_stem(path: str) -> str:
    name = os.path.basename(path)
    for suffix in ARCHIVE_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds that make a hostile archive cost bounded time and memory."""

    max_members: int = 200_000
    """Linux v6.x, one of the largest source trees, has about 90,000 files."""
    max_total_bytes: int = 4 * 1024**3
    """Declared uncompressed bytes of all members (a Linux source tree is about 1.5 GB)."""
    max_ratio: float = 100.0
    """Uncompressed / compressed bytes, checked once the archive declares more than
    `ratio_floor_bytes`; source tarballs compress 3-10:1, bombs 1,000:1 and more."""
    ratio_floor_bytes: int = 64 * 1024**2
    max_member_bytes: int = 1_000_000
    """Members larger than this are not read (`file_too_large`); see the file filter."""


class ArchiveRefused(Exception):
    """The whole archive is refused; `reason` is the exclusion reason."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail or reason)
        self.reason = reason


@dataclass
class Entry:
    """One file of a repository: its bytes, or the reason it was not read."""

    path: str  # relative to the repository root, posix
    data: bytes | None = None
    reason: str | None = None
    size: int = 0
    name_encoding: str = "utf-8"  # how a non-UTF-8 name was read (file_names.py)


@dataclass
class Listing:
    """What the first pass over an archive found: where the repository root is, and the
    small root files the licence detector reads."""

    repo: str
    prefix: str  # "pkg-1.0/" for an sdist, "" when members sit at the top
    members: int
    evidence: dict[str, bytes] = field(default_factory=dict)


def safe_member_name(name: str) -> str | None:
    """The member's path as a clean relative posix path, or None when it is absolute,
    climbs out with `..`, or names a Windows drive."""
    unified = name.replace("\\", "/")
    if not unified or unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        return None
    parts = [p for p in unified.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    return "/".join(parts)


def _common_prefix(names: list[str]) -> str:
    """`pkg-1.0/` when every member sits under one top folder (sdists, GitHub tarballs).
    Only safe names count: a hostile `../x` member does not change the layout."""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and any("/" in n for n in names):
        return next(iter(tops)) + "/"
    return ""


def _check_totals(members: int, total: int, archive_bytes: int, limits: ArchiveLimits) -> None:
    if members > limits.max_members:
        raise ArchiveRefused("archive_too_many_files", f"more than {limits.max_members} members")
    if total > limits.max_total_bytes:
        raise ArchiveRefused("archive_too_large", f"declares more than {limits.max_total_bytes} bytes")
    if total > limits.ratio_floor_bytes and total > limits.max_ratio * max(archive_bytes, 1):
        raise ArchiveRefused("archive_bomb", f"compression ratio above {limits.max_ratio:g}")


def _open_tar(path: str) -> tarfile.TarFile:
    """Names of non-PAX members are bytes: read as UTF-8 with surrogate escapes whatever the
    locale, so `display_name` can recover the bytes and decode them (cp932, escaped)."""
    return tarfile.open(path, mode="r:*", encoding="utf-8", errors="surrogateescape")


def _tar_kind(member: tarfile.TarInfo) -> str | None:
    if member.issym():
        return "symlink"
    if member.islnk():
        return "hardlink"
    if member.isdir():
        return "dir"
    if not member.isreg():
        return "special_file"
    return None


def _zip_kind(info: zipfile.ZipInfo) -> str | None:
    mode = info.external_attr >> 16
    if info.is_dir():
        return "dir"
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # many zip writers leave the type bits at 0
        return "special_file"
    if info.flag_bits & 0x1:
        return "encrypted_file"
    return None


class ArchiveReader:
    """Two passes over one archive: `scan()` checks the limits and collects the root's
    evidence files; `entries()` yields every member as an Entry."""

    def __init__(self, path: str, limits: ArchiveLimits, wanted_evidence):
        self.path = path
        self.limits = limits
        self.wanted_evidence = wanted_evidence  # callable(relpath) -> bool
        self.is_zip = path.lower().endswith(ZIP_SUFFIXES)

    def scan(self) -> Listing:
        try:
            return self._scan_zip() if self.is_zip else self._scan_tar()
        except ArchiveRefused:
            raise
        except (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as err:
            raise ArchiveRefused("corrupt_archive", f"{type(err).__name__}: {err}") from None

    def _scan_tar(self) -> Listing:
        archive_bytes = os.path.getsize(self.path)
        names, total, wanted = [], 0, []
        with _open_tar(self.path) as tf:
            for member in tf:
                total += max(member.size, 0)
                names.append(display_name(member.name)[0])
                _check_totals(len(names), total, archive_bytes, self.limits)
                if member.isreg() and member.size <= MAX_EVIDENCE_READ:
                    wanted.append(member)
            prefix = _common_prefix([c for c in map(safe_member_name, names) if c])
            evidence = {}
            for member in wanted:
                rel = self._relative(display_name(member.name)[0], prefix)
                if rel and self.wanted_evidence(rel):
                    handle = tf.extractfile(member)
                    if handle is not None:
                        evidence[rel] = handle.read(MAX_EVIDENCE_READ)
        return Listing(self._repo_name(prefix), prefix, len(names), evidence)

    def _scan_zip(self) -> Listing:
        archive_bytes = os.path.getsize(self.path)
        with zipfile.ZipFile(self.path) as zf:
            infos = zf.infolist()
            _check_totals(len(infos), sum(i.file_size for i in infos), archive_bytes, self.limits)
            prefix = _common_prefix([c for c in (safe_member_name(zip_member_name(i)[0]) for i in infos) if c])
            evidence = {}
            for info in infos:
                rel = self._relative(zip_member_name(info)[0], prefix)
                small = info.file_size <= MAX_EVIDENCE_READ
                if rel and small and _zip_kind(info) is None and self.wanted_evidence(rel):
                    evidence[rel] = zf.read(info)
        return Listing(self._repo_name(prefix), prefix, len(infos), evidence)

    def _repo_name(self, prefix: str) -> str:
        return prefix.rstrip("/") or archive_stem(self.path)

    @staticmethod
    def _relative(name: str, prefix: str) -> str | None:
        clean = safe_member_name(name)
        if clean is None:
            return None
        return clean[len(prefix):] if prefix and clean.startswith(prefix) else clean

    def entries(self, listing: Listing) -> Iterator[Entry]:
        if self.is_zip:
            yield from self._zip_entries(listing)
        else:
            yield from self._tar_entries(listing)

    def _entry(self, named: tuple[str, str], kind: str | None, size: int, listing: Listing, seen: set,
               read) -> Entry | None:
        """One member; `named` is its decoded (name, encoding)."""
        raw_name, encoding = named
        rel = self._relative(raw_name, listing.prefix)
        if kind == "dir":
            return None
        if rel is None:
            rel = raw_name.replace("\\", "/").lstrip("/") or "(empty name)"
            return Entry(rel, reason="unsafe_path", size=size, name_encoding=encoding)
        if rel in seen:
            return Entry(rel, reason="duplicate_path", size=size, name_encoding=encoding)
        seen.add(rel)
        if kind:
            return Entry(rel, reason=kind, size=size, name_encoding=encoding)
        if size > self.limits.max_member_bytes:
            return Entry(rel, reason="file_too_large", size=size, name_encoding=encoding)
        try:
            return Entry(rel, data=read(), size=size, name_encoding=encoding)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, tarfile.TarError, RuntimeError, ValueError):
            return Entry(rel, reason="corrupt_member", size=size, name_encoding=encoding)

    def _tar_entries(self, listing: Listing) -> Iterator[Entry]:
        seen: set = set()
        with _open_tar(self.path) as tf:
            for member in tf:
                def read(m=member):
                    handle = tf.extractfile(m)
                    return handle.read(self.limits.max_member_bytes + 1) if handle else b""
                entry = self._entry(display_name(member.name), _tar_kind(member), member.size, listing, seen, read)
                if entry is not None:
                    yield entry

    def _zip_entries(self, listing: Listing) -> Iterator[Entry]:
        seen: set = set()
        with zipfile.ZipFile(self.path) as zf:
            for info in zf.infolist():
                def read(i=info):
                    with zf.open(i) as handle:
                        return handle.read(self.limits.max_member_bytes + 1)
                entry = self._entry(zip_member_name(info), _zip_kind(info), info.file_size, listing, seen, read)
                if entry is not None:
                    yield entry

