"""The Swallow-style pre-check: html lang=ja or kana in the title, nothing else."""

from __future__ import annotations

from datatrove.data import Document

from filters.web.ja_precheck import JapanesePrecheck, japanese_marker, page_title


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
    assert JapanesePrecheck().filter(d) == (False, "no_japanese_marker")
    assert d.metadata["title"] == "人工智能发展报告"
    assert len(d.text) == 4096 and d.metadata["html_chars"] > 10000  # an excerpt goes to the excluded shards


def test_japanese_lang_prefix_must_be_a_whole_subtag():
    assert japanese_marker('<html lang="jav"><title>Sugeng rawuh</title>', "Sugeng rawuh") is None


def test_require_marker_false_records_but_keeps():
    d = doc("<html><head><title>Plain English</title></head></html>")
    assert JapanesePrecheck(require_marker=False).filter(d) is True
    assert "ja_marker" not in d.metadata and d.metadata["title"] == "Plain English"


def test_title_whitespace_is_collapsed_and_missing_title_is_none():
    assert page_title("<TITLE>\n  日本語の\n  タイトル </TITLE>") == "日本語の タイトル"
    assert page_title("<html><body>no title</body></html>") is None
