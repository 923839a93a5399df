"""Archives are read in memory, never extracted; hostile members and bombs are refused by name."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile

import pytest

from filters.code.archives import ArchiveLimits, ArchiveReader, ArchiveRefused, safe_member_name
from filters.code.licence_detection import is_evidence_file


def add_file(tf: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tf.addfile(info, io.BytesIO(data))


def add_special(tf: tarfile.TarFile, name: str, kind: bytes, target: str = "") -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    tf.addfile(info)


def mark_encrypted(path, name: bytes) -> None:
    """zipfile cannot write encrypted members: set the flag bit in the central directory."""
    raw = bytearray(path.read_bytes())
    at = raw.find(b"PK\x01\x02")
    while at != -1:
        name_len = int.from_bytes(raw[at + 28:at + 30], "little")
        if raw[at + 46:at + 46 + name_len] == name:
            raw[at + 8] |= 0x1
        at = raw.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(raw))


def read_all(path, limits: ArchiveLimits | None = None):
    reader = ArchiveReader(str(path), limits or ArchiveLimits(), is_evidence_file)
    listing = reader.scan()
    entries = list(reader.entries(listing))
    first = {}
    for e in entries:
        first.setdefault(e.path, (e.reason, e.data))
    return listing, first, [e.reason for e in entries]


@pytest.fixture
def hostile_tar(tmp_path):
    path = tmp_path / "evil-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        add_file(tf, "evil-1.0/LICENSE", b"MIT License\n")
        add_file(tf, "evil-1.0/ok.py", b"print('ok')\n")
        add_file(tf, "evil-1.0/../../escaped.py", b"print('escaped')\n")
        add_file(tf, "/tmp/absolute.py", b"print('absolute')\n")
        add_special(tf, "evil-1.0/passwd", tarfile.SYMTYPE, "/etc/passwd")
        add_special(tf, "evil-1.0/hard", tarfile.LNKTYPE, "evil-1.0/ok.py")
        add_special(tf, "evil-1.0/dev", tarfile.CHRTYPE)
        add_file(tf, "evil-1.0/ok.py", b"print('second copy')\n")
    return path


def test_hostile_tar_members_are_refused_by_name_and_nothing_is_written(hostile_tar, tmp_path):
    before = set(os.listdir(tmp_path))
    listing, entries, all_reasons = read_all(hostile_tar)
    assert listing.repo == "evil-1.0"  # hostile names do not change the layout
    reasons = {path: reason for path, (reason, _) in entries.items()}
    assert (reasons["passwd"], reasons["hard"], reasons["dev"]) == ("symlink", "hardlink", "special_file")
    assert entries["ok.py"] == (None, b"print('ok')\n")
    assert sorted(r for r in all_reasons if r) == sorted(
        ["unsafe_path", "unsafe_path", "symlink", "hardlink", "special_file", "duplicate_path"])
    assert set(os.listdir(tmp_path)) == before
    assert not (tmp_path.parent / "escaped.py").exists()


def test_sdist_root_folder_is_the_repository_and_its_licence_is_collected(tmp_path):
    path = tmp_path / "pkg-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        add_file(tf, "pkg-1.0/LICENSE", b"MIT License\n")
        add_file(tf, "pkg-1.0/PKG-INFO", b"Metadata-Version: 2.1\nName: pkg\n")
        add_file(tf, "pkg-1.0/src/pkg/__init__.py", b"")
        add_file(tf, "pkg-1.0/src/LICENSE", b"not at the root\n")
    listing, entries, _ = read_all(path)
    assert (listing.repo, listing.prefix) == ("pkg-1.0", "pkg-1.0/")
    assert sorted(listing.evidence) == ["LICENSE", "PKG-INFO"]
    assert sorted(entries) == ["LICENSE", "PKG-INFO", "src/LICENSE", "src/pkg/__init__.py"]


def test_zip_traversal_symlink_and_encrypted_members_are_refused(tmp_path):
    path = tmp_path / "repo.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("repo/a.py", "x = 1\n")
        zf.writestr("repo/../../b.py", "x = 2\n")
        zf.writestr("C:/windows/c.py", "x = 3\n")
        link = zipfile.ZipInfo("repo/link")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("repo/secret.py", "x = 4\n")
    mark_encrypted(path, b"repo/secret.py")
    _, _, all_reasons = read_all(path)
    reasons = sorted(reason or "ok" for reason in all_reasons)
    assert reasons == ["encrypted_file", "ok", "symlink", "unsafe_path", "unsafe_path"]


def test_zip_bomb_is_refused_whole_before_reading(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb/zeros.py", b"\0" * (4 * 1024 * 1024))
    limits = ArchiveLimits(ratio_floor_bytes=1024 * 1024)
    with pytest.raises(ArchiveRefused) as refused:
        ArchiveReader(str(path), limits, is_evidence_file).scan()
    assert refused.value.reason == "archive_bomb"


def test_member_count_and_total_size_limits(tmp_path):
    path = tmp_path / "many.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for i in range(20):
            add_file(tf, f"many/f{i}.py", b"x = 1\n" * 100)
    with pytest.raises(ArchiveRefused, match="members") as too_many:
        ArchiveReader(str(path), ArchiveLimits(max_members=10), is_evidence_file).scan()
    assert too_many.value.reason == "archive_too_many_files"
    with pytest.raises(ArchiveRefused) as too_big:
        ArchiveReader(str(path), ArchiveLimits(max_total_bytes=5000), is_evidence_file).scan()
    assert too_big.value.reason == "archive_too_large"


def test_truncated_archive_is_refused_as_corrupt(tmp_path):
    good = tmp_path / "good.tar.gz"
    with tarfile.open(good, "w:gz") as tf:
        for i in range(50):
            add_file(tf, f"r/f{i}.py", os.urandom(2000))
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ArchiveRefused) as refused:
        ArchiveReader(str(bad), ArchiveLimits(), is_evidence_file).scan()
    assert refused.value.reason == "corrupt_archive"


def test_oversized_member_is_not_read(tmp_path):
    path = tmp_path / "big.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        add_file(tf, "big/huge.py", b"x" * 5000)
    _, entries, _ = read_all(path, ArchiveLimits(max_member_bytes=1000))
    assert entries["huge.py"] == ("file_too_large", None)


@pytest.mark.parametrize("name,clean", [
    ("a/b.py", "a/b.py"), ("./a//b.py", "a/b.py"), ("../a.py", None), ("a/../../b", None),
    ("/etc/passwd", None), ("C:\\x.py", None), ("a\\..\\..\\b", None), ("", None),
])
def test_safe_member_name(name, clean):
    assert safe_member_name(name) == clean
