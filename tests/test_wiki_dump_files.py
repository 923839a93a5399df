"""Dump files: index pairing, splitting into stream ranges, decompressing a byte range."""

from __future__ import annotations

import bz2

import pytest

from data_manifests.demo.wiki import PAGES, write_multistream
from filters.wiki.dump_files import (
    index_name_for,
    is_index_file,
    iter_bz2_range,
    iter_dump_bytes,
    read_stream_offsets,
    split_ranges,
)


def test_index_names_follow_wikimedia_naming():
    assert index_name_for("/d/jawiki-20240101-pages-articles-multistream.xml.bz2") == \
        "/d/jawiki-20240101-pages-articles-multistream-index.txt.bz2"
    assert index_name_for("jawiki-20240101-pages-articles-multistream1.xml-p1p114794.bz2") == \
        "jawiki-20240101-pages-articles-multistream-index1.txt-p1p114794.bz2"
    assert index_name_for("jawiki-20240101-pages-articles.xml.bz2") is None
    assert is_index_file("jawiki-20240101-pages-articles-multistream-index.txt.bz2")
    assert is_index_file("x-multistream-index1.txt-p1p114794.bz2")
    assert not is_index_file("jawiki-20240101-pages-articles-multistream.xml.bz2")


def test_split_ranges_is_contiguous_and_ends_at_eof():
    assert split_ranges([10, 20, 30, 40, 50], 2) == [(10, 30), (30, None)]
    assert split_ranges([10, 20], 8) == [(10, 20), (20, None)]
    assert split_ranges([], 4) == [(0, None)]


@pytest.fixture
def multistream(tmp_path):
    dump, index = tmp_path / "x-multistream.xml.bz2", tmp_path / "x-multistream-index.txt.bz2"
    write_multistream(PAGES, dump, index, pages_per_stream=2)
    return dump, index


def test_byte_ranges_concatenate_to_the_whole_dump(multistream):
    dump, index = multistream
    offsets = read_stream_offsets(str(index))
    assert len(offsets) == 4 and offsets == sorted(offsets)
    whole = bz2.decompress(dump.read_bytes())
    pieces = [b"".join(iter_bz2_range(str(dump), s, e, chunk=97)) for s, e in
              [(0, offsets[0])] + split_ranges(offsets, 3)]
    assert b"".join(pieces) == whole
    assert pieces[1].lstrip().startswith(b"<page>")


def test_whole_file_reads_every_stream(multistream):
    dump, _ = multistream
    assert b"".join(iter_dump_bytes(str(dump))) == bz2.decompress(dump.read_bytes())


def test_truncated_bz2_raises_eof_after_the_complete_output(tmp_path):
    path = tmp_path / "cut.xml.bz2"
    data = bz2.compress(b"<mediawiki>" + b"x" * 200_000)
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(EOFError):
        list(iter_dump_bytes(str(path), chunk=1000))


def test_garbage_after_a_stream_is_corrupt_data(tmp_path):
    path = tmp_path / "bad.xml.bz2"
    path.write_bytes(bz2.compress(b"<mediawiki>") + b"garbage")
    with pytest.raises(OSError):
        list(iter_dump_bytes(str(path)))


def test_damaged_index_is_an_error_not_a_wrong_split(tmp_path):
    index = tmp_path / "x-multistream-index.txt"
    index.write_text("597:1:A\nnot an index line\n")
    with pytest.raises(ValueError, match="not an index line"):
        read_stream_offsets(str(index))


def test_plain_and_gzip_dumps_are_read_whole(tmp_path):
    import gzip

    (tmp_path / "a.xml").write_bytes(b"<mediawiki/>")
    (tmp_path / "a.xml.gz").write_bytes(gzip.compress(b"<mediawiki/>"))
    assert b"".join(iter_dump_bytes(str(tmp_path / "a.xml"))) == b"<mediawiki/>"
    assert b"".join(iter_dump_bytes(str(tmp_path / "a.xml.gz"))) == b"<mediawiki/>"
    with pytest.raises(ValueError, match="byte ranges"):
        iter_dump_bytes(str(tmp_path / "a.xml"), 10, 20)
