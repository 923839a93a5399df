"""Wikitext to plain text: what a reader sees stays, markup and apparatus go."""

from __future__ import annotations

import pytest

from filters.wiki.wikitext import WikitextOptions, clean, render_article, scrub_unparsed, wikitext_to_text


def text(wikitext: str, **options) -> str:
    return wikitext_to_text(wikitext, title="見本", options=WikitextOptions(**options))


def rendered(wikitext: str, title: str = "見本", **options):
    return render_article(wikitext, title, WikitextOptions(**options), date="2022-07-01T00:00:00Z")


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


def test_data_template_value_takes_its_clause_not_a_hole():
    wikitext = ("面積は{{formatnum:{{自治体面積/岩手県|岩手県}}}}[[平方キロメートル|km<sup>2</sup>]]で"
                "<ref>{{Cite web|title=面積調}}</ref>、日本の都道府県としては、北海道に次いで2番目に広い。")
    out, counts = rendered(wikitext)
    assert out == "日本の都道府県としては、北海道に次いで2番目に広い。"
    assert counts["values_unknown"] == 1 and counts["clauses_dropped"] == 1


def test_unknown_value_sentence_and_bracket_are_dropped():
    wikitext = ("人口は{{自治体人口/秋田県|date}}現在。\n"
                "秋田周辺地域（{{Formatnum:{{ #expr: {{自治体人口/秋田県|秋田市}} + {{自治体人口/秋田県|男鹿市}} }}}}人）\n"
                "県北の本宮市（約{{ #expr: ({{自治体人口/福島県|本宮市}}/1000 round 0)/10}}万人）が県中に入る。")
    out, counts = rendered(wikitext)
    assert out == "秋田周辺地域\n県北の本宮市が県中に入る。"
    assert counts["sentences_dropped"] == 1 and counts["brackets_dropped"] == 2


def test_values_computed_from_arguments_are_rendered():
    wikitext = ("面積は{{formatnum:15275.01}}km2。宮殿は{{ウィキ座標度分秒|33|17|03|N|044|15|22|E|}}にある。"
                "死亡を確認した{{没年齢|1935|1|8|1977|8|16}}。{{JPN}}・[[東京都]]。{{CURRENTYEAR}}年現在。"
                "距離は{{convert|100|km|mi}}。{{#if: x | 有 | 無 }}。")
    out, counts = rendered(wikitext)
    assert out == ("面積は15,275.01km2。宮殿は北緯33度17分3秒 東経44度15分22秒にある。死亡を確認した（42歳没）。"
                   "日本・東京都。2022年現在。距離は100 km。有。")
    assert counts["values_rendered"] == 6 and counts["values_unknown"] == 0


def test_parser_function_spread_over_lines_is_an_unknown_value():
    wikitext = "面積：{{formatnum:{{ #expr: {{自治体面積/鳥取県|鳥取市}}\n + {{自治体面積/鳥取県|岩美町}}\n }}}}km2、\n次の行。"
    assert text(wikitext) == "次の行。"


def test_list_templates_give_one_item_per_line_without_their_widths():
    wikitext = ("{{ul\n| 主な山地{{col-list|7.5em|\n*[[氷ノ山]]\n*[[扇ノ山]]\n }}\n | [[丹後山地]]\n}}\n"
                "{{Columns-list|2|\n* [[オデオン座]]\n* サル・ガボー\n}}\n{{hlist|style=display: inline-block|A|B}}\n"
                "{{div col||20em}}\n* [[KYCOM]]\n{{div col end}}")
    out = text(wikitext)
    assert out == "主な山地\n氷ノ山\n扇ノ山\n丹後山地\nオデオン座\nサル・ガボー\nA\nB\n\nKYCOM"
    assert "em" not in out


def test_lists_option_drops_list_items_and_counts_them():
    wikitext = "導入の文。\n* 一つ目\n** 二つ目\n{{Plainlist|\n* {{USA}}\n* {{GBR}}}}\n後の文。"
    kept, counts = rendered(wikitext)
    assert kept == "導入の文。\n一つ目\n二つ目\nアメリカ合衆国\nイギリス\n後の文。"
    assert counts["list_items_kept"] == 4
    dropped, counts = rendered(wikitext, lists="drop")
    assert dropped == "導入の文。\n後の文。"
    assert counts["list_items_dropped"] == 4


def test_tables_are_text_in_list_articles_only_by_default():
    wikitext = "前。\n{| class=\"wikitable\"\n! 国 !! 首都\n|-\n| {{flagicon|Japan}} [[日本]] || {{Plainlist|\n* 東京\n* 京都}}\n|}\n後。"
    as_list, counts = rendered(wikitext, title="国の一覧")
    assert as_list == "前。\n\n国 | 首都\n日本 | 東京 京都\n\n後。"
    assert counts["tables_kept"] == 1 and counts["table_rows_kept"] == 2
    plain, counts = rendered(wikitext, title="日本")
    assert plain == "前。\n\n後。"
    assert counts["tables_dropped"] == 1 and counts["table_rows_dropped"] == 2
    assert rendered(wikitext, title="国の一覧", tables="drop")[0] == "前。\n\n後。"


def test_table_cell_with_an_unknown_value_loses_that_cell_only():
    wikitext = "{|\n|-\n| 鳥取市 || {{自治体人口/鳥取県|鳥取市}}人 || 県庁所在地\n|}"
    assert text(wikitext, tables="text") == "鳥取市 | 県庁所在地"


def test_category_pointers_go_and_category_words_stay():
    wikitext = ("音楽家については[[:Category:音楽家|]]を参照。\n本文。\n* [[:Category:岩手県のケーブルテレビ局]]\n"
                "「[[:Category:哲学|哲学]]」・「人生観」を意味する。")
    out, counts = rendered(wikitext)
    assert out == "本文。\n「哲学」・「人生観」を意味する。"
    assert counts["navigation_dropped"] == 2


def test_ascii_art_block_goes_and_code_block_stays():
    art = "\n".join(["      　　　  Ｓ", "  　　 　    ／|＼", "  　　 　  ／  |　＼", "    　  Ｓ　　'+'　　Ｓ"])
    code = "\n".join([" p#id { color: #ff3300 }", " p#id { font-size: 24px }"])
    out, counts = rendered(f"木構造になる。\n\n{art}\n\n等価である。\n\n{code}\n")
    assert out == "木構造になる。\n\n等価である。\n\np#id { color: #ff3300 }\np#id { font-size: 24px }"
    assert counts["art_blocks_dropped"] == 1
    assert "Ｓ" in text(f"前。\n{art}\n", art_min_drawing=1.0)


def test_no_private_marks_reach_the_text():
    out = text("人口は{{自治体人口/X|date}}。[[:Category:Y]]\n* {{JPN}}\n{{ul|a|b}}")
    assert not any("\ue000" <= ch <= "\uf8ff" for ch in out)


@pytest.mark.parametrize("bad", ["tables", "math", "furigana", "lists"])
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
