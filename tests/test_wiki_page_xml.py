"""The page scanner: every complete page out, every problem a counted event, never a crash."""

from __future__ import annotations

import zlib

import pytest

from data_manifests.demo.wiki import FOOTER, HEADER, page_xml
from filters.wiki.page_xml import parse_page, raw_page_id, scan


def dump(*pages: str, footer: bool = True) -> bytes:
    return (HEADER + "".join(pages) + (FOOTER if footer else "")).encode("utf-8")


def page(n: int, text: str = "本文です。") -> str:
    return page_xml(f"記事{n}", 0, n, 100 + n, "2024-01-01T00:00:00Z", text)


def chunks(data: bytes, size: int):
    return [data[i:i + size] for i in range(0, len(data), size)]


def kinds(events) -> list[str]:
    return [e.kind for e in events]


@pytest.mark.parametrize("size", [7, 64, 1 << 20])
def test_pages_come_out_whatever_the_chunk_boundaries(size):
    events = list(scan(chunks(dump(page(1), page(2), page(3)), size)))
    assert kinds(events) == ["siteinfo", "page", "page", "page"]
    assert events[0].siteinfo.dbname == "jawiki" and events[0].siteinfo.lang == "ja"
    assert events[0].siteinfo.article_prefix == "https://ja.wikipedia.org/wiki/"
    assert [parse_page(e.data).page_id for e in events[1:]] == [1, 2, 3]


def test_parse_page_reads_title_ids_timestamp_and_unescaped_text():
    p = parse_page(page_xml("A&B", 0, 5, 77, "2022-04-23T02:25:36Z", "{{x}} <ref>&</ref>", redirect=None).encode())
    assert (p.title, p.ns, p.page_id, p.revision_id, p.timestamp) == ("A&B", 0, 5, 77, "2022-04-23T02:25:36Z")
    assert p.text == "{{x}} <ref>&</ref>" and p.redirect is None and p.model == "wikitext"


def test_redirect_element_gives_the_target():
    p = parse_page(page_xml("ふろしき", 0, 9, 1, "2021-01-01T00:00:00Z", "#転送 [[風呂敷]]", "風呂敷").encode())
    assert p.redirect == "風呂敷"


def test_missing_closing_root_is_one_truncated_event_after_all_pages():
    events = list(scan(chunks(dump(page(1), page(2), footer=False), 50)))
    assert kinds(events) == ["siteinfo", "page", "page", "truncated_dump"]


def test_dump_cut_inside_a_page_keeps_the_partial_page_as_the_truncated_record():
    data = dump(page(1), page(2), page(3))
    cut = data.rfind(b"<text") + 10  # inside the third page's <text>
    events = list(scan([data[:cut]]))
    assert kinds(events) == ["siteinfo", "page", "page", "truncated_dump"]
    assert raw_page_id(events[-1].data) == 3


def test_page_that_never_closes_is_invalid_and_the_next_page_still_comes_out():
    broken = page(2).replace("</page>", "")
    events = list(scan([dump(page(1), broken, page(3))]))
    assert kinds(events) == ["siteinfo", "page", "invalid_xml", "page"]
    assert parse_page(events[-1].data).page_id == 3


def test_bad_xml_inside_a_page_raises_for_that_page_only():
    from xml.etree.ElementTree import ParseError

    bad = page(2).replace("本文です。", "本文 <b>閉じない")
    events = list(scan([dump(page(1), bad, page(3))]))
    assert kinds(events) == ["siteinfo", "page", "page", "page"]
    with pytest.raises(ParseError):
        parse_page(events[2].data)
    assert parse_page(events[3].data).page_id == 3


def test_file_that_is_not_a_dump_is_reported_once():
    assert kinds(scan([b"hello, world\n" * 10])) == ["not_a_mediawiki_dump"]
    assert kinds(scan([])) == ["not_a_mediawiki_dump"]


def test_oversized_page_is_cut_off_and_reading_goes_on():
    huge = page(2, "あ" * 5000)
    events = list(scan(chunks(dump(page(1), huge.replace("</page>", ""), page(3)), 1000), max_page_bytes=4000))
    assert kinds(events)[:3] == ["siteinfo", "page", "page_too_large"]
    assert parse_page(events[-1].data).page_id == 3


def test_range_without_header_reads_pages_directly():
    events = list(scan([(page(4) + page(5)).encode()], expect_header=False, expect_end=False))
    assert kinds(events) == ["page", "page"]


def test_decompression_errors_become_events_after_the_pages_read():
    def failing(exc):
        yield dump(page(1), footer=False)
        raise exc

    assert kinds(scan(failing(EOFError("cut")))) == ["siteinfo", "page", "truncated_dump"]
    assert kinds(scan(failing(OSError("Invalid data stream")))) == ["siteinfo", "page", "corrupt_dump"]
    assert kinds(scan(failing(zlib.error("invalid distance")))) == ["siteinfo", "page", "corrupt_dump"]


def test_file_system_errors_are_not_taken_for_bad_data():
    def missing():
        raise FileNotFoundError(2, "No such file")
        yield b""

    with pytest.raises(FileNotFoundError):
        list(scan(missing()))
