"""RSS/Atom feeds: item titles and their fullest bodies, and the stage option that lets feeds in."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from corpus.formats.schema import row_to_document
from corpus.run.stage import StageContext, run_stage
from filters.web.feed_text import feed_items, feed_text, is_feed

RSS1 = """<?xml version="1.0" encoding="EUC-JP"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://blog.example.jp/"><title>山歩き日記</title><link>http://blog.example.jp/</link>
<description>週末の山歩きの記録です。</description></channel>
<item rdf:about="http://blog.example.jp/1.html"><title>高尾山の紅葉</title><link>http://blog.example.jp/1.html</link>
<description>朝早くに登り始めました。紅葉は...</description>
<content:encoded><![CDATA[<p>朝早くに登り始めました。紅葉はちょうど見頃で、山頂からは富士山も見えました。</p><p>帰りは<b>とろろそば</b>を食べました。</p>]]></content:encoded>
<dc:subject>山</dc:subject><dc:date>2005-11-20T18:00:00+09:00</dc:date></item>
<item rdf:about="http://blog.example.jp/2.html"><title>雨の日の準備</title><link>http://blog.example.jp/2.html</link>
<description>&lt;p&gt;雨具は上下に分かれたものが歩きやすいです。&amp;nbsp;ザックカバーも忘れずに。&lt;/p&gt;</description>
<content:encoded><![CDATA[<img src="/rain.jpg" alt="">]]></content:encoded></item>
</rdf:RDF>"""

ATOM = """<?xml version="1.0" encoding="Shift_JIS"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>台所メモ</title><updated>2005-10-03T05:32:05Z</updated>
<entry><title>ぬか床を始めました</title><updated>2005-10-03T05:12:31Z</updated>
<summary>ぬか床を始めました。毎日...</summary>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>ぬか床を始めました。毎日かき混ぜるのが日課です。</p></div></content>
<author><name>daidokoro</name></author></entry></feed>"""


def test_is_feed_looks_at_the_root_element_only():
    assert is_feed(RSS1) and is_feed(ATOM) and is_feed('<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>')
    assert not is_feed("<html><body><p>rss feed</p></body></html>")
    assert not is_feed('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>')


def test_items_take_their_title_and_fullest_body_not_dates_links_or_channel():
    assert feed_items(RSS1) == [
        ("高尾山の紅葉", "朝早くに登り始めました。紅葉はちょうど見頃で、山頂からは富士山も見えました。\n帰りはとろろそばを食べました。"),
        ("雨の日の準備", "雨具は上下に分かれたものが歩きやすいです。\xa0ザックカバーも忘れずに。"),
    ]
    text = feed_text(RSS1)
    assert "山歩き日記" not in text and "2005-11-20" not in text and "http://" not in text and "紅葉は..." not in text


def test_atom_xhtml_content_beats_its_summary():
    assert feed_text(ATOM) == "ぬか床を始めました\nぬか床を始めました。毎日かき混ぜるのが日課です。"


def test_malformed_feed_is_read_as_far_as_it_goes():
    broken = RSS1.replace("</rdf:RDF>", "").replace("雨具は", "雨具は & ")
    assert [title for title, _ in feed_items(broken)] == ["高尾山の紅葉", "雨の日の準備"]
    assert feed_text("<rss><channel><title>空</title></channel></rss>") == ""


def _run(tmp_path: Path, warc: Path, **options):
    from pipelines.ingest_web import STAGE, Options

    ctx = StageContext(name="ingest_web", stage_dir=tmp_path / "out", inputs=[str(warc)], options=Options(**options),
                       quiet=True)
    report = run_stage(STAGE, ctx)
    kept = [row_to_document(r) for p in sorted((tmp_path / "out" / "shards").glob("*.parquet"))
            for r in pq.read_table(p).to_pylist()]
    return report, kept


def test_feeds_of_the_packed_warc_are_kept_only_with_extract_feeds(shared_data, tmp_path):
    """The 51 RSS/Atom feeds of 2005-era Japanese blogs (chardet's test files) are not_html by
    default; with extract_feeds they become documents of their items' text, and the two
    HTML pages served as application/xml are extracted as HTML."""
    warc = shared_data / "web" / "ja_fixture_pages_packed.warc.gz"
    report, _ = _run(tmp_path / "default", warc)
    assert report["excluded_by_reason"]["not_html"] >= 54
    report, kept = _run(tmp_path / "feeds", warc, extract_feeds=True)
    used = {}
    for d in kept:
        used.setdefault(d.metadata["extractor"], []).append(d)
    assert len(used["feed"]) >= 50 and report["documents"]["in"] == 69
    perth = next(d for d in used["feed"] if "perth-on" in d.metadata["url"])
    assert perth.text.startswith("木登り体験\n「木登り体験」\nパースに留学した人ならば、")
    assert "2005-12-27" not in perth.text and "ambits" not in perth.text
    webry = next(d for d in kept if "webry" in d.metadata["url"])
    assert webry.metadata["extractor"] != "feed" and "perldoc の Encode::JP を読むと" in webry.text
