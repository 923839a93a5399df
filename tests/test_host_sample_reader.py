"""The counting pass's reader: Japanese-looking pages by their raw bytes, a sample per host."""

from __future__ import annotations

from data_manifests.demo import shop_site
from filters.web.host_sample_reader import HostSampleReader, looks_japanese


def test_markers_are_found_in_raw_bytes_of_any_encoding():
    assert looks_japanese(shop_site.page_html(1, "EUC-JP").encode("euc_jp"), "text/html")  # declared charset
    assert looks_japanese(shop_site.page_html(1, "Shift_JIS").encode("shift_jis"), None)
    assert looks_japanese("<html><head><title>ようこそ</title></head>".encode(), "text/html")  # UTF-8 kana in title
    assert looks_japanese(b'<!DOCTYPE html><HTML class="x" LANG="ja-JP"><body>', None)
    assert looks_japanese(b"<html><body>...", "text/html; charset=Shift_JIS")
    assert looks_japanese(b'<meta http-equiv="Content-Language" content="ja">', None)


def test_foreign_pages_are_not_sampled():
    assert not looks_japanese(b'<html lang="en"><head><meta charset="utf-8"><title>Hello</title></head>', "text/html")
    assert not looks_japanese('<html lang="zh-CN"><title>人工智能</title>'.encode(), None)
    assert not looks_japanese(b'<html lang="jav"><title>Sugeng rawuh</title>', None)


def test_reader_yields_decoded_pages_and_caps_each_host(tmp_path):
    (warc,) = shop_site.make(tmp_path, "shift_jis")
    docs = list(HostSampleReader([str(warc)], sample_pages=5).run(None, 0, 1))
    assert len(docs) == 5 and docs[0].metadata["url"] == shop_site.url(1)
    assert shop_site.PRODUCTS[0][2] in docs[0].text  # decoded as the main pass decodes it


def test_common_crawl_sample_has_nothing_to_sample(shared_data):
    """16 zh/ru/de/nl pages of a real CC-MAIN-2020-34 slice: none is decoded or counted."""
    reader = HostSampleReader([str(shared_data / "web" / "cc-main-2020-34_sample_non-ja.warc.gz")])
    assert list(reader.run(None, 0, 1)) == []
    assert reader.stats["pages_skipped"].total == 16


def test_packed_warc_samples_the_marked_japanese_pages(shared_data):
    reader = HostSampleReader([str(shared_data / "web" / "ja_fixture_pages_packed.warc.gz")])
    urls = {d.metadata["url"] for d in reader.run(None, 0, 1)}
    assert {"https://www.nikkei.com/article/DGXMZO31897660Y8A610C1000000/", "http://www.afpbb.com/articles/-/3178894",
            "http://headlines.yahoo.co.jp/hl?a=20170309-35097838-cnetj-sci"} <= urls
    assert "http://fixture.invalid/newspaper/chinese_article.html" not in urls


def test_a_corrupt_file_ends_its_sample_without_ending_the_task(tmp_path):
    (warc,) = shop_site.make(tmp_path)
    data = warc.read_bytes()
    bad = tmp_path / "cut.warc.gz"
    bad.write_bytes(data[: len(data) // 2] + b"\x1f\x8b\x08" + b"\xee" * 300)
    docs = list(HostSampleReader([str(bad), str(warc)]).run(None, 0, 1))
    sampled = [d for d in docs if not d.metadata.get("reason")]
    assert len(sampled) >= 24 and all(d.metadata.get("url") for d in sampled)
