"""Wikitext to plain text: what a reader sees stays, markup and apparatus go."""

from __future__ import annotations

import pytest

from filters.wiki.wikitext import WikitextOptions, clean, scrub_unparsed, wikitext_to_text


def text(wikitext: str, **options) -> str:
    return wikitext_to_text(wikitext, title="見本", options=WikitextOptions(**options))


def test_links_show_their_visible_text():
    out = text("[[日本]]の[[東京都|東京]]と[[:en:Kyoto|京都]]、[[Foo#節]]、[[:wikt:et|ET]]、[[京都府 (曖昧さ回避)|]]")
    assert out == "日本の東京と京都、Foo、ET、京都府"


def test_files_categories_and_interlanguage_links_are_dropped():
    out = text("本文。[[ファイル:A.jpg|thumb|説明[[リンク]]]][[File:B.png]][[Category:分類]][[カテゴリ:分類2]][[en:Foo]][[zh-yue:Bar]]")
    assert out == "本文。"


def test_templates_are_dropped_except_inline_text_carriers():
    wikitext = ("{{Infobox 人物|名前=太郎|職業=作家}}'''太郎'''（{{lang|en|Taro}}、{{Lang-fr|Tarô}}）は"
                "{{仮リンク|架空の町|en|Fictional town}}出身の作家{{要出典|date=2020年}}。{{Reflist}}{{Normdaten}}")
    assert text(wikitext) == "太郎（Taro、Tarô）は架空の町出身の作家。"


def test_furigana_templates_render_as_jawiki_shows_them():
    wikitext = "{{読み仮名|'''物理学'''|ぶつりがく|{{Lang-en-short|physics}}}}と{{ruby|季語|きご}}"
    assert text(wikitext) == "物理学（ぶつりがく、physics）と季語（きご）"
    assert text(wikitext, furigana="base") == "物理学（physics）と季語"


def test_html_ruby_follows_the_furigana_option():
    assert text("<ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>") == "漢字（かんじ）"
    assert text("<ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>", furigana="base") == "漢字"


def test_references_comments_and_galleries_leave_no_trace():
    wikitext = ('文<ref name="a">{{cite web|url=http://x.invalid|title=T}}</ref>です<ref name="a" />。'
                "<!-- 隠し -->\n<gallery>\nFile:X.jpg|図\n</gallery>\n<references />")
    assert text(wikitext) == "文です。"


def test_empty_brackets_left_by_dropped_templates_are_removed():
    assert text("語（{{lang-en-short|}}）と、語（{{en icon}}、{{lang|en|word}}）") == "語と、語（word）"
    assert text("関数 f() と g( )") == "関数 f() と g( )"  # a call is not debris


def test_tables_are_dropped_by_default_and_kept_as_rows_on_request():
    wikitext = "前。\n{| class=\"wikitable\"\n! 季節 !! 例\n|-\n| 春 || 桜\n|-\n| 夏 || [[蛍]]\n|}\n後。"
    assert text(wikitext) == "前。\n\n後。"
    assert text(wikitext, tables="text") == "前。\n\n季節 | 例\n春 | 桜\n夏 | 蛍\n\n後。"


def test_math_keeps_tex_or_drops_it():
    assert text("音は<math>5+7+5=17</math>である。") == "音は5+7+5=17である。"
    assert text("音は<math>5+7+5=17</math>である。", math="drop") == "音はである。"


def test_nowiki_content_is_literal_text():
    assert text("記号 <nowiki>[[Z]] &amp; {{x}}</nowiki> を使う。") == "記号 [[Z]] & {{x}} を使う。"


def test_headings_stay_and_appendix_sections_go_with_their_subsections():
    wikitext = ("導入。\n== 歴史 ==\n昔。\n=== 近代 ===\n今。\n== 脚注 ==\n=== 出典 ===\n{{Reflist}}\n"
                "本の一覧。\n== 関連項目 ==\n* [[何か]]\n== 外部リンク ==\n* [http://x.invalid 公式]\n")
    assert text(wikitext) == "導入。\n\n歴史\n\n昔。\n\n近代\n\n今。"
    assert text(wikitext, headings=False) == "導入。\n\n昔。\n\n今。"


def test_heading_of_a_section_with_no_text_is_dropped():
    wikitext = "導入。\n== 人口 ==\n{{人口統計|code=01100}}\n== 地理 ==\n山。"
    assert text(wikitext) == "導入。\n\n地理\n\n山。"


def test_list_markers_go_and_items_stay_on_their_lines():
    assert text("* 一つ目\n** 二つ目\n# 三つ目\n; 用語 : 説明") == "一つ目\n二つ目\n三つ目\n用語 説明"


def test_external_links_keep_their_label_only():
    assert text("[https://x.invalid/a 公式サイト]と[https://x.invalid/b]") == "公式サイトと"


def test_entities_and_line_breaks_are_decoded():
    assert text("A&amp;B&nbsp;C<br />次の行") == "A&B\u00a0C\n次の行"


def test_birth_date_template_renders_the_date():
    assert text("（{{生年月日と年齢|1961|11|23}} - ）") == "（1961年11月23日 - ）"


def test_unparsed_table_and_template_residue_is_scrubbed():
    assert scrub_unparsed("前\n{| class=x\n|+ '''表\n| a\n|}\n後") == "前\n後"
    assert scrub_unparsed("面積：{{formatnum:{{ #expr: 1 / 2 }}}}km2") == "面積：km2"
    assert scrub_unparsed("壊れた {{ 閉じない") == "壊れた  閉じない"
    assert scrub_unparsed("前\n|-\n|colspan=\"2\" style=\"padding:0\"|\n|}\n後") == "前\n後"


def test_clean_collapses_blank_runs_and_strips_bold_marks():
    assert clean("a\n\n\n\n'''b'''  c\n|\n") == "a\n\nb c"


@pytest.mark.parametrize("bad", ["tables", "math", "furigana"])
def test_options_reject_unknown_modes(bad):
    with pytest.raises(ValueError, match=bad):
        WikitextOptions(**{bad: "sometimes"})


def test_real_article_ampersand_is_prose_without_residue(shared_data):
    from filters.wiki.dump_reader import WikiDumpReader

    reader = WikiDumpReader([str(shared_data / "wiki" / "jawiki_pages-articles_first262pages_2022.xml.bz2")])
    page = next(d for d in reader.run() if d.metadata.get("title") == "アンパサンド")
    out = wikitext_to_text(page.text, "アンパサンド")
    assert out.startswith("アンパサンド（&, ampersand）は、並立助詞「…と…」を意味する記号である。")
    for residue in ("{{", "}}", "[[", "]]", "<ref", "&amp;", "thumb", "File:", "Reflist", "cite web", "{|"):
        assert residue not in out, residue
    assert "\n\n語源\n\n" in out and "ジョージ・エリオットは、1859年に発表した小説「アダム・ビード」の中で" in out
    assert "脚注" not in out  # appendix section dropped
