"""The pre-check: Swallow-style markers let a page through at once; without them the page's
text decides (no kana at all, or lid.176), never the missing marker alone."""

from __future__ import annotations

from datatrove.data import Document

from filters.web.ja_precheck import JapanesePrecheck, japanese_marker, page_text, page_title


def doc(page: str) -> Document:
    return Document(text=page, id="web/x", metadata={})


def test_html_lang_ja_passes_without_a_title():
    d = doc('<!doctype html><html class="x" lang="ja-JP"><body>本文</body></html>')
    assert JapanesePrecheck().filter(d) is True
    assert d.metadata["ja_marker"] == "html_lang"


def test_xml_lang_counts_as_html_lang():
    assert japanese_marker('<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="ja">', None) == "html_lang"


def test_kana_in_title_passes_even_with_another_html_lang():
    d = doc('<html lang="en"><head><title>ようこそ &amp; Welcome</title></head></html>')
    assert JapanesePrecheck().filter(d) is True
    assert (d.metadata["ja_marker"], d.metadata["title"]) == ("title_kana", "ようこそ & Welcome")


def test_content_language_meta_passes():
    page = '<html><head><meta http-equiv="Content-Language" content="ja"><title>Top</title></head></html>'
    assert japanese_marker(page, page_title(page)) == "meta_language"


def test_chinese_page_with_kanji_only_title_is_dropped_with_reason():
    d = doc('<html lang="zh-CN"><head><title>人工智能发展报告</title></head><body>' + "内容" * 5000 + "</body></html>")
    assert JapanesePrecheck().filter(d) == (False, "no_kana")
    assert d.metadata["title"] == "人工智能发展报告"
    assert len(d.text) == 4096 and d.metadata["html_chars"] > 10000  # an excerpt goes to the excluded shards


def test_japanese_lang_prefix_must_be_a_whole_subtag():
    assert japanese_marker('<html lang="jav"><title>Sugeng rawuh</title>', "Sugeng rawuh") is None


def test_disabled_precheck_records_but_keeps():
    d = doc("<html><head><title>Plain English</title></head></html>")
    assert JapanesePrecheck(mode="off").filter(d) is True
    assert "ja_marker" not in d.metadata and d.metadata["title"] == "Plain English"


def test_title_whitespace_is_collapsed_and_missing_title_is_none():
    assert page_title("<TITLE>\n  日本語の\n  タイトル </TITLE>") == "日本語の タイトル"
    assert page_title("<html><body>no title</body></html>") is None


def test_japanese_text_without_marker_is_kept_by_language_id():
    d = doc("<html><head><title>News</title></head><body><p>"
            "市立図書館では、今年の春から本の宅配サービスを始めました。電話で読みたい本を伝えていただければ、"
            "ボランティアの方がご自宅までお届けします。</p></body></html>")
    assert JapanesePrecheck().filter(d) is True
    assert d.metadata["ja_marker"] == "langid" and d.metadata["precheck_lang"] == "ja"


def test_kana_in_a_foreign_page_goes_to_language_id_which_drops_it():
    d = doc("<html><head><title>Shop</title></head><body><p>Our new tea set is here. Each cup is made by hand "
            "in Kyoto and comes in a box marked お茶 (tea). Order before Friday for delivery next week.</p></body></html>")
    assert JapanesePrecheck().filter(d) == (False, "precheck_not_japanese")
    assert d.metadata["precheck_lang"] == "en"


def test_script_and_head_text_are_not_page_text():
    page = ("<html><head><title>x</title><script>var s = 'ひらがな';</script></head>"
            "<body><script>alert('カタカナ')</script><p>Only English here.</p></body></html>")
    assert page_text(page) == "Only English here."
    assert JapanesePrecheck().filter(doc(page)) == (False, "no_kana")


def test_shift_jis_news_snippet_without_title_or_lang_passes(shared_data):
    """The 478-character Shift_JIS news snippet of the packed WARC has neither <html lang> nor
    kana in its <title> ("Shift_JIS"): the marker test alone used to drop it."""
    from benchmarks.evalsets.web_extraction import load_records

    records = load_records(shared_data / "web")
    (page,) = [text for source, (_, text, _) in records.items() if "_chromium_Shift-JIS" in source]
    assert japanese_marker(page, page_title(page)) is None
    d = doc(page)
    assert JapanesePrecheck().filter(d) is True
    assert (d.metadata["ja_marker"], d.metadata["precheck_lang"]) == ("langid", "ja")


def test_markers_mode_is_swallows_rule_alone():
    d = doc("<html><head><title>News</title></head><body><p>市立図書館では、本の宅配サービスを始めました。</p></body></html>")
    assert JapanesePrecheck(mode="markers").filter(d) == (False, "no_japanese_marker")
    assert JapanesePrecheck().filter(doc(d.text)) is True
