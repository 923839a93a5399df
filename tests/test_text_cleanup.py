"""Extracted-text cleanup: table rows and layout gaps onto their own lines, paywall notices out."""

from __future__ import annotations

from filters.web.text_cleanup import clean_lines, is_paywall_notice, split_layout


def test_table_rows_become_one_line_per_cell_without_pipes_or_separator_rows():
    assert split_layout("|  | 福娘童話集 > きょうのイソップ童話 |  |  |") == ["福娘童話集 > きょうのイソップ童話"]
    assert split_layout("|---|---|") == []
    assert split_layout("| 価格 | 1,890円（税込） |") == ["価格", "1,890円（税込）"]
    assert split_layout(r"| a \| b | c |") == ["a | b", "c"]


def test_layout_gaps_split_a_line_but_single_spaces_do_not():
    line = "欲張りなイヌ                              元旦のイソップ童話"
    assert split_layout(line) == ["欲張りなイヌ", "元旦のイソップ童話"]
    assert split_layout("こどもの道具\t\tトップ > 商品一覧") == ["こどもの道具", "トップ > 商品一覧"]
    assert split_layout("ひらがな\u3000←→\u3000日本語・英語 and one space") == ["ひらがな\u3000←→\u3000日本語・英語 and one space"]
    assert split_layout("\u3000肉をくわえたイヌが、橋を渡っていました。") == ["肉をくわえたイヌが、橋を渡っていました。"]


def test_paywall_notices_are_recognised_and_prose_about_them_is_not():
    for notice in ("この記事は会員限定です。電子版に登録すると続きをお読みいただけます。",
                   "この記事は有料記事です。残り1234文字（全文1500文字）",
                   "有料会員になると続きをお読みいただけます。", "［有料会員限定］",
                   "続きは会員登録（無料）でお読みいただけます。"):
        assert is_paywall_notice(notice), notice
    for prose in ("新聞社の多くは電子版の有料会員を増やそうとしている。",
                  "図書館の会員になると、本を二週間借りることができます。",
                  "この記事は会員限定です。" + "しかし、" * 60):
        assert not is_paywall_notice(prose), prose


def test_clean_lines_drops_the_notice_and_blank_lines():
    text = "本文の一文目です。\n\n|  | 表の中の文です。 |\nこの記事は会員限定です。電子版に登録すると続きをお読みいただけます。\n"
    assert clean_lines(text) == "本文の一文目です。\n表の中の文です。"


def test_real_pages_lose_their_pipes_gaps_and_paywall_notice(shared_data):
    """hukumusume (a table-layout page: trafilatura wrote it as pipe rows with 30-space gaps)
    and Nikkei (a teaser ending in the members-only notice), both tuning pages."""
    from filters.web.extraction import extract_with_source
    from benchmarks.evalsets.web_extraction import bigram_f1, load_gold

    gold = {name: (page, text) for name, _, page, text in load_gold(shared_data / "web")}
    page, text = gold["readability_hukumusume.expected.html"]
    out, used = extract_with_source(page)
    assert used == "trafilatura" and "|" not in out and "   " not in out and "\t" not in out
    assert "肉をくわえたイヌが、橋を渡っていました。" in out
    page, text = gold["newspaper_japanese_article.expected.txt"]
    out = extract_with_source(page)[0]
    assert "会員限定" not in out and "続きをお読み" not in out
    assert bigram_f1(out, text).f1 > 0.98  # 0.921 with the notice
