"""The demo dump: deterministic, well-formed export-0.10 XML, laid out like Wikimedia's."""

from __future__ import annotations

import bz2
import xml.etree.ElementTree as ET

from data_manifests.demo import wiki as demo
from filters.wiki.dump_files import read_stream_offsets

NS = "{http://www.mediawiki.org/xml/export-0.10/}"


def test_demo_dump_is_byte_identical_across_runs(tmp_path):
    first = [p.read_bytes() for p in demo.make(tmp_path / "a")]
    second = [p.read_bytes() for p in demo.make(tmp_path / "b")]
    assert first == second


def test_demo_dump_is_well_formed_export_0_10_with_the_planned_pages(tmp_path):
    dump, index = demo.make(tmp_path)
    root = ET.fromstring(bz2.decompress(dump.read_bytes()))
    assert root.tag == f"{NS}mediawiki" and root.get("version") == "0.10"
    pages = root.findall(f"{NS}page")
    assert [p.findtext(f"{NS}title") for p in pages] == [p[0] for p in demo.PAGES]
    sha1 = pages[0].findtext(f"{NS}revision/{NS}sha1")
    assert sha1 == demo.mediawiki_sha1(demo.FUROSHIKI) and len(sha1) == 31
    assert pages[4].find(f"{NS}redirect").get("title") == "風呂敷"
    assert len(read_stream_offsets(str(index))) == 4  # 7 pages, 2 per stream


def test_demo_articles_have_the_parts_the_stage_must_handle():
    for article in (demo.FUROSHIKI, demo.MISOSHIRU, demo.HAIKU):
        for part in ("{{Infobox", "<ref", "[[Category:", "{| class=\"wikitable\"", "[["):
            assert part in article, part
        assert "{{読み仮名|" in article or "{{ruby|" in article
