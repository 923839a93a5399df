"""The dump reader: planning work units, page metadata, reader-marked problems."""

from __future__ import annotations

import pytest

from data_manifests.demo import wiki as demo
from filters.wiki.dump_reader import Unit, WikiDumpReader


@pytest.fixture
def multistream(tmp_path):
    dump, index = tmp_path / "x-multistream.xml.bz2", tmp_path / "x-multistream-index.txt.bz2"
    demo.write_multistream(demo.PAGES, dump, index, pages_per_stream=1)
    return str(dump), str(index)


def test_index_next_to_the_dump_splits_it_into_contiguous_ranges(multistream):
    dump, _ = multistream
    units = WikiDumpReader([dump]).units(world_size=3)
    assert len(units) == 3 and units[0].start == 0 and units[-1].end is None
    assert units[0].end == units[1].start and units[1].end == units[2].start
    assert all(u.header_end == units[1].header_end > 0 for u in units)


def test_index_is_ignored_when_asked_or_absent(multistream, tmp_path):
    dump, _ = multistream
    assert WikiDumpReader([dump], use_index=False).units(3) == [Unit(dump)]
    (tmp_path / "x-multistream-index.txt.bz2").unlink()
    assert WikiDumpReader([dump]).units(3) == [Unit(dump)]


def test_damaged_index_falls_back_to_reading_the_dump_whole(multistream, tmp_path):
    dump, index = multistream
    with open(index, "wb") as f:
        f.write(b"this is not an index\n")
    reader = WikiDumpReader([dump, index])
    assert reader.paths == [dump]  # the index is not read as a dump
    assert reader.units(2) == [Unit(dump)]


def test_every_range_yields_its_pages_with_the_dump_siteinfo(multistream):
    dump, _ = multistream
    reader = WikiDumpReader([dump], datasets={dump: "demo_wiki"})
    docs = [d for rank in range(3) for d in reader.run(rank=rank, world_size=3)]
    assert [d.id for d in docs] == [f"wiki/jawiki/{p[2]}" for p in demo.PAGES]
    last = docs[-1]  # read from a range that starts mid-file
    assert last.metadata["url"] == "https://ja.wikipedia.org/wiki/はいく"
    assert last.metadata["dataset"] == "demo_wiki" and last.metadata["lang"] == "ja"


def test_dataset_defaults_to_the_dump_dbname(tmp_path):
    path = tmp_path / "a.xml"
    path.write_text(demo.HEADER + demo.page_xml(*demo.PAGES[0]) + demo.FOOTER, encoding="utf-8")
    (doc,) = WikiDumpReader([str(path)]).run()
    assert doc.metadata["dataset"] == "jawiki" and doc.id == "wiki/jawiki/1001"
    assert doc.metadata["licence"] == "CC-BY-SA-4.0" and doc.metadata["licence_also"] == "GFDL-1.3-or-later"


def test_hidden_revision_text_is_marked_text_deleted(tmp_path):
    hidden = demo.page_xml(*demo.PAGES[0]).replace(
        demo.page_xml(*demo.PAGES[0]).split("<text", 1)[1].split("</text>", 1)[0], ' deleted="deleted">')
    path = tmp_path / "a.xml"
    path.write_text(demo.HEADER + hidden + demo.FOOTER, encoding="utf-8")
    (doc,) = WikiDumpReader([str(path)]).run()
    assert doc.metadata["reason"] == "text_deleted" and doc.text == ""


def test_limit_stops_each_task_after_that_many_pages(multistream):
    dump, _ = multistream
    assert len(list(WikiDumpReader([dump], use_index=False, limit=2).run())) == 2


def test_missing_file_is_one_unreadable_document(tmp_path):
    (doc,) = WikiDumpReader([str(tmp_path / "gone.xml.bz2")]).run()
    assert doc.metadata["reason"] == "unreadable_file:FileNotFoundError"
