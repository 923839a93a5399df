"""HTML -> text: edge trimming, the three extractors, failures marked and then excluded."""

from __future__ import annotations

import time

from datatrove.data import Document

from filters.web import extraction
from filters.web.extraction import (
    ExtractionResultFilter,
    HtmlToText,
    extract_text,
    extract_with_source,
    is_clean_prose,
    trim_edges,
)

ARTICLE = """<html lang="ja"><head><title>記事</title></head><body>
<nav><a href="/">ホーム</a> <a href="/news">ニュース</a></nav>
<article><h1>図書館の新しいサービス</h1>
<p>市立図書館では、今年の春から本の宅配サービスを始めました。</p>
<p>電話で読みたい本を伝えていただければ、ボランティアの方がご自宅までお届けします。</p>
</article>
<footer>Copyright 2024</footer></body></html>"""


def test_trim_edges_cuts_menus_before_the_first_sentence():
    text = "ホーム\nニュース\n見出し\n本文の最初の文です。とても大事です。\n二つ目の段落もあります。ここも大事。"
    assert trim_edges(text) == "本文の最初の文です。とても大事です。\n二つ目の段落もあります。ここも大事。"


def test_trim_edges_cuts_a_short_footer_but_keeps_a_long_tail():
    body = "本文の最初の文です。とても大事です。\n" * 5
    assert trim_edges(body + "利用規約\nCopyright") == body.strip()
    long_tail = "\n".join(f"関連リンク{i}" for i in range(40))
    assert trim_edges(body + long_tail).endswith("関連リンク39")


def test_trim_edges_keeps_text_without_any_sentence():
    assert trim_edges("  商品A \n\n 商品B  ") == "商品A\n商品B"


def test_resiliparse_extracts_the_article_without_navigation():
    text = extract_text(ARTICLE, extractor="resiliparse")
    assert text.startswith("市立図書館では、今年の春から本の宅配サービスを始めました。")
    assert "ホーム" not in text and "Copyright" not in text


def test_clean_prose_is_only_sentences():
    assert is_clean_prose("本文の最初の文です。とても大事です。\n二つ目の段落もあります。ここも大事。")
    assert not is_clean_prose("本文の最初の文です。とても大事です。\n最終更新: 2024/5/1 9:00\n※個人の見解です。転載はご遠慮ください。")
    assert not is_clean_prose("")


def test_hybrid_keeps_resiliparse_text_when_it_is_clean_prose():
    text, used = extract_with_source(ARTICLE)
    assert used == "resiliparse"
    assert text == extract_text(ARTICLE, extractor="resiliparse")


# resiliparse keeps the update line and the disclaimer after the article; edge trimming
# cannot cut them (the disclaimer reads as a sentence), so the hybrid asks trafilatura
FOOTER_PAGE = """<html lang="ja"><head><title>記事</title></head><body>
<div class="article"><p>市立図書館では、今年の春から本の宅配サービスを始めました。</p>
<p>電話で読みたい本を伝えていただければ、ボランティアの方がご自宅までお届けします。</p>
<p>返却も同じようにご自宅で受け取りますので、どうぞお気軽にご利用ください。</p></div>
<div class="info"><p>最終更新: 2024/5/1 9:00</p><p>※コメントは個人の見解であり、記事提供社と関係はありません。</p></div>
</body></html>"""


def test_hybrid_sends_a_page_with_boilerplate_after_the_text_to_trafilatura():
    assert not is_clean_prose(extract_text(FOOTER_PAGE, extractor="resiliparse"))
    text, used = extract_with_source(FOOTER_PAGE)
    assert used == "trafilatura"
    assert text == extract_text(FOOTER_PAGE, extractor="trafilatura")
    assert "ボランティアの方がご自宅までお届けします。" in text


def test_trafilatura_extractor_is_available_as_an_option():
    text = extract_text(ARTICLE, extractor="trafilatura")
    assert "ボランティアの方がご自宅までお届けします。" in text


RUBY_PAGE = """<html lang="ja"><body><article>
<p><ruby>子<rt>こ</rt></ruby>どもへの<a href="javascript:void(0)" class="dicWin"><ruby><span class="under">虐待</span><rt>ぎゃくたい</rt></ruby></a>をなくすため、<a href="#" class="dicWin"><ruby><span class="under">親</span><rt>おや</rt></ruby></a>が<ruby>東<rp>(</rp><rt>とう</rt><rp>)</rp>京<rt>きょう</ruby>で<a href="/a">体罰</a>を<a href="/b">禁止</a>することになりました。</p>
<p>二つ目の段落も十分に長い文章で書かれています。ここも本文です。</p>
</article></body></html>"""


def test_ruby_readings_are_removed_and_the_base_text_kept():
    for extractor in ("resiliparse", "trafilatura"):
        text = extract_text(RUBY_PAGE, extractor=extractor)
        assert text.startswith("子どもへの虐待をなくすため、"), (extractor, text)
        assert not any(reading in text for reading in ("ぎゃくたい", "おや", "とう", "きょう", "(")), (extractor, text)


def test_single_kanji_and_particles_between_links_survive_resiliparse():
    text = extract_text(RUBY_PAGE)
    assert "親が東京で体罰を禁止することになりました。" in text
    assert "\u200b" not in text


def test_nhk_easy_page_reads_the_same_with_both_extractors(shared_data):
    from benchmarks.evalsets.web_extraction import load_pages

    (page,) = [html for source, html in load_pages(shared_data / "web").items() if "nhk.or.jp" in source]
    ours = extract_text(page, extractor="resiliparse")
    assert "親が子どもを教育するために、たたいたり蹴ったりする体罰を禁止することになりました。" in ours
    assert ours == extract_text(page, extractor="trafilatura") == extract_text(page)


def run_step(step, docs):
    return list(step.run(iter(docs)))


def test_html_to_text_in_sandbox_replaces_html_by_text_and_names_the_extractor():
    step = HtmlToText(timeout_s=5.0)
    docs = run_step(step, [Document(text=ARTICLE, id="a", metadata={}), Document(text=FOOTER_PAGE, id="f", metadata={})])
    assert docs[0].text.startswith("市立図書館では") and docs[0].metadata["html_chars"] == len(ARTICLE)
    assert [d.metadata["extractor"] for d in docs] == ["resiliparse", "trafilatura"]
    assert step.stats["extracted_by_resiliparse"].total == 1 and step.stats["extracted_by_trafilatura"].total == 1


def test_unknown_extractor_fails_at_construction():
    import pytest

    with pytest.raises(ValueError, match="unknown extractor"):
        HtmlToText("readability")


def _slow_extract(page, extractor="hybrid", trim=True):
    if "遅いページ" in page:
        time.sleep(30)
    return page, extractor


def test_a_page_over_the_time_limit_is_marked_and_the_next_page_still_extracts(monkeypatch):
    # stands in for a pathological page: the sandbox must abandon it and restart its worker
    monkeypatch.setattr(extraction, "extract_with_source", _slow_extract)
    started = time.monotonic()
    docs = run_step(HtmlToText(timeout_s=1.0), [
        Document(text="<p>遅いページ</p>", id="slow", metadata={}), Document(text="<p>普通</p>", id="ok", metadata={}),
    ])
    assert time.monotonic() - started < 15
    assert docs[0].metadata["extraction_failure"] == "extraction_timeout"
    assert "extraction_failure" not in docs[1].metadata and docs[1].text == "<p>普通</p>"
    result = ExtractionResultFilter()
    assert result.filter(docs[0]) == (False, "extraction_timeout") and result.filter(docs[1]) is True


def test_extractor_exception_is_marked_as_error(monkeypatch):
    def broken(page, extractor="hybrid", trim=True):
        raise RuntimeError("parser bug")

    monkeypatch.setattr(extraction, "extract_with_source", broken)
    docs = run_step(HtmlToText(timeout_s=None), [Document(text="<p>x</p>", id="e", metadata={})])
    assert docs[0].metadata["extraction_failure"] == "extraction_error"
    assert "parser bug" in docs[0].metadata["extraction_error"]


def test_page_with_no_text_is_extraction_empty():
    docs = run_step(HtmlToText(timeout_s=None), [Document(text="<html><body><script>x=1</script></body></html>",
                                                          id="s", metadata={})])
    assert ExtractionResultFilter().filter(docs[0]) == (False, "extraction_empty")
