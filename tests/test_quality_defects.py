"""Planted defects in real clean Japanese text: the right rule must fire, clean text must pass.

Each test takes real text from ../shared/data/text (web leads of the KWDLC corpus,
Aozora Bunko literature), plants one defect, runs the default quality chain after the
default clean-up, and checks which rule dropped the page.
"""

from __future__ import annotations

import json
import re

import pytest
from datatrove.data import Document
from benchmarks.evalsets.web_fixture_pages import html_of, page, table_rows

from filters.quality.analysis import analysis_of
from filters.quality.chain import quality_filters
from filters.quality.cleanup import TextCleanup
from filters.quality.options import CharRatioOptions, CleanupOptions, QualityOptions, RepetitionOptions, SentenceOptions

FILTERS = quality_filters(QualityOptions())
CLEANUP = TextCleanup(CleanupOptions())


def first_rule(text: str, url: str = "https://example.jp/page", filters=None) -> str | None:
    """Name of the first rule that drops the page, or None when it passes."""
    doc = Document(text=CLEANUP.clean(text), id="web/t", metadata={"source": "web", "url": url})
    for f in filters or FILTERS:
        result = f.filter(doc)
        if result is not True:
            return result[1]
    return None


@pytest.fixture(scope="module")
def web_leads(shared_data) -> list[str]:
    return [json.loads(line)["text"] for line in (shared_data / "text" / "kwdlc_web_leads.jsonl").open(encoding="utf-8")]


@pytest.fixture(scope="module")
def company_names(shared_data) -> list[str]:
    """List lines of real names: a company (法人名) and a place (地名) from the same stockmark jawiki NER
    sentence, as `レッドフォックス株式会社（東京都千代田区）`, the shape of a prefecture article's company list."""
    rows = json.loads((shared_data / "pii" / "stockmark_ner-wikipedia-ja.json").read_text(encoding="utf-8"))
    lines = []
    for row in rows:
        companies = [e["name"] for e in row["entities"] if e["type"] == "法人名"]
        places = [e["name"] for e in row["entities"] if e["type"] == "地名"]
        if companies and places:
            lines.append(f"{companies[0]}（{places[0]}）")
    return list(dict.fromkeys(lines))


@pytest.fixture(scope="module")
def web_page(web_leads) -> str:
    """~900 characters of real web prose (ten leads, one per line)."""
    return "\n".join(web_leads[100:110])


def chunks(text: str, size: int) -> list[str]:
    out, current = [], []
    for line in (line for line in text.splitlines() if line.strip()):
        current.append(line)
        if sum(map(len, current)) >= size:
            out.append("\n".join(current))
            current = []
    return out


def test_clean_web_pages_of_600_to_1500_characters_all_pass(web_leads):
    pages = []
    for size in (7, 10, 15):  # ~650, ~900, ~1400 characters
        pages += ["\n".join(web_leads[i : i + size]) for i in range(0, len(web_leads) - size, size)]
    pages = [p for p in pages if 600 <= len(p) <= 1500]
    assert len(pages) > 1000
    failed = [(first_rule(p), p[:40]) for p in pages if first_rule(p)]
    assert not failed, failed[:5]


def test_clean_literature_passes(shared_data):
    pages = []
    for name in ("aozora_bocchan_natsume-soseki.txt", "aozora_lemon_kajii-motojiro.txt"):
        pages += chunks((shared_data / "text" / name).read_text(encoding="utf-8"), 1000)
    kept = sum(first_rule(p) is None for p in pages)
    assert kept == len(pages)


def test_translated_literature_passes_but_for_a_few_sentence_or_ngram_outliers(shared_data):
    text = (shared_data / "text" / "aozora_56656_tsumi-to-batsu_yonekawa.utf8.txt").read_text(encoding="utf-8")
    reasons = [first_rule(p) for p in chunks(text, 1000)[20:220]]
    assert reasons.count(None) >= 0.9 * len(reasons)
    assert {r for r in reasons if r} <= {"max_sentence_length", "max_avg_sentence_length", "max_top_3gram_frac",
                                          "max_top_4gram_frac", "max_ellipsis_sentence_frac", "min_avg_sentence_length"}


def test_the_clean_page_itself_passes(web_page):
    assert first_rule(web_page) is None


def test_one_paragraph_repeated_fires_the_duplicate_paragraph_rule(web_page):
    lines = web_page.splitlines()
    assert first_rule("\n".join(lines[:5] + [lines[2]] * 15 + lines[5:])) == "max_dup_paragraph_frac"


def test_a_repeated_block_of_paragraphs_fires_the_duplicate_paragraph_character_rule(web_page):
    lines = web_page.splitlines()
    page = lines + lines[2:8] * 2  # 12 repeats: under 30% of paragraphs, over 20% of characters
    assert 12 / len(page) <= 0.3
    assert first_rule("\n".join(page)) == "max_dup_paragraph_char_frac"


def test_a_pasted_copy_of_the_page_fires_a_repetition_rule(web_page):
    assert first_rule(web_page + "\n" + web_page) == "max_dup_paragraph_frac"


def test_ellipsis_teasers_fire_the_ellipsis_rule(web_page):
    topics = ("温泉旅館", "朝ごはん", "冬の旅行", "家計簿", "英会話", "庭づくり", "古民家", "ペット", "自転車", "梅干し", "盆栽", "釣り")
    teasers = [f"{topic}の意外な真実とは…" for topic in topics]
    assert first_rule(web_page + "\n" + "\n".join(teasers)) == "max_ellipsis_sentence_frac"


def test_read_more_links_count_as_ellipsis_endings(web_page):
    topics = ("温泉", "朝食", "旅行", "家計", "英語", "庭", "古民家", "猫", "自転車", "梅干し", "盆栽", "釣り")
    links = [f"{topic}について詳しく紹介します。続きを読む" for topic in topics]
    assert first_rule(web_page + "\n" + "\n".join(links)) == "max_ellipsis_sentence_frac"


def test_a_katakana_product_list_page_fails_the_script_rules():
    products = ["オーガニックコットンタオル", "ステンレスボトル", "ワイヤレスイヤホン", "スマートウォッチ", "モバイルバッテリー",
                "アロマディフューザー", "ブルートゥーススピーカー", "ポータブルクーラー"]
    page = "\n".join(f"{p}・{q}・セール" for p in products for q in reversed(products))
    assert first_rule(page) == "max_katakana_fraction"


def test_a_katakana_heavy_page_with_hiragana_still_fires_the_katakana_rule():
    line = "ワイヤレスイヤホンやポータブルスピーカーなどのガジェットをセレクトしました。"  # katakana 0.74, hiragana 0.24
    assert first_rule("\n".join([line] * 12)) == "max_katakana_fraction"


def test_adult_expressions_fire_the_ng_rule(web_page):
    spam = "無修正エロ動画と人妻動画、出会い系のセフレ募集、ハメ撮りアダルト動画。" * 3
    assert first_rule(web_page + "\n" + spam) == "max_ng_adult_frac"


def test_violent_threats_fire_the_ng_rule(web_page):
    threats = "\n".join(["お前の家に行ってぶっ殺してやるからな。", "殺害予告だ、皆殺しにしてやる。", "死ね、死ね、死ね。"] * 4)
    assert first_rule(web_page + "\n" + threats) == "max_ng_violence_frac"


def test_utf8_read_as_shift_jis_mojibake_fails_the_script_rules(web_page):
    mojibake = web_page.encode("utf-8").decode("cp932", errors="replace")
    assert first_rule(mojibake) == "max_decoding_damage_frac"  # U+FFFD where CP932 could not read, C1 controls


def test_euc_jp_read_as_shift_jis_mojibake_fails_the_script_rules(web_page):
    mojibake = web_page.encode("euc_jp", errors="replace").decode("shift_jis", errors="replace")
    assert first_rule(mojibake) in {"max_decoding_damage_frac", "min_hiragana_fraction", "max_katakana_fraction",
                                    "min_japanese_fraction"}


def test_a_run_of_layout_padding_fires_the_character_run_rule(web_page):
    # a run of one character that no sentence or n-gram rule sees: full-width spaces used for layout
    lines = web_page.splitlines()
    assert first_rule("\n".join(lines[:10]) + "\u3000" * 250 + "\n".join(lines[10:])) == "max_char_run"


def test_a_page_that_is_mostly_short_lines_fires_the_short_line_rule(web_page):
    menu = ["ホーム", "会社概要", "採用情報", "お知らせ", "ブログ", "よくある質問", "アクセス", "お問い合わせ", "サイトマップ", "English",
            "事業内容", "製品情報", "プライバシー", "利用規約", "特定商取引法", "運営会社", "求人", "IR情報", "店舗一覧", "ニュース",
            "採用", "SNS", "メルマガ", "リンク"]
    tags = [f"{tag}{i}" for i in range(8) for tag in ("温泉旅館", "朝ごはん", "冬の旅行", "家計簿", "英会話", "庭づくり", "古民家", "ペット")]
    body = "\n".join(web_page.splitlines()[:2])
    assert family_rule("hojichar", "\n".join(menu) + "\n" + body + "\n" + "\n".join(tags)) == "max_short_line_char_frac"


def test_an_article_with_a_list_of_short_items_is_not_a_short_line_page(web_page):
    items = ["竹馬", "お手玉", "こま", "凧揚げ", "剣玉", "ゴムとび", "縄跳び", "馬跳び", "羽根突き", "相撲", "おはじき", "ビー玉", "めんこ",
             "折り紙", "お絵かき", "かるた", "花札", "缶けり", "かくれんぼ", "鬼ごっこ"]
    page = "\n".join(web_page.splitlines()[:15] + items)  # more short lines than long ones, most characters in prose
    assert sum(len(line) <= 10 for line in page.splitlines()) > 0.5 * len(page.splitlines())
    assert first_rule(page) is None


def test_shop_boilerplate_fires_the_ad_keyword_rule(web_page):
    shop = "送料無料・在庫あり・カートに入れる・ポイント還元・期間限定の特価でセール中です。"
    assert first_rule(web_page + "\n" + "\n".join(shop + f"（{i}点目）" for i in range(4))) == "max_ad_keywords"


def test_a_forum_dump_fires_the_bbs_rule(web_page):
    posts = (
        "2024年3月4日(月) 投稿者コメント：昨日の質問への返信です。\n"
        "2024年3月5日(火) コメント欄の投稿を読んで、別の質問を追加しました。\n"
        "2024年3月6日(水) 前のページの投稿にコメントします。\n"
        "2024年3月7日(木) レビュー投稿のお礼と追加の質問です。"
    )
    assert first_rule(web_page + "\n" + posts) == "max_bbs_patterns_per_kchar"


def test_a_chronology_full_of_dates_and_spaced_hyphens_is_not_a_forum(web_page):
    events = web_page.splitlines()
    years = "\n".join(f"{1950 + i}年{i % 12 + 1}月{i % 28 + 1}日 - {event}" for i, event in enumerate(events))
    assert first_rule(years) is None


def test_a_page_without_sentence_ends_fires_the_prose_share_rule(web_page):
    assert first_rule(web_page.replace("。", "")) == "min_prose_frac"


def test_a_very_short_page_fires_the_length_rule(web_leads):
    assert first_rule(web_leads[0]) == "min_letters"


def test_a_short_page_of_complete_sentences_passes_and_a_short_stub_does_not(web_leads):
    short = "\n".join(web_leads[:2])  # two leads: 6 sentences, about 200 letters
    assert 200 <= len(short) < 400 and first_rule(short) is None
    info = ["営業時間 10:00〜19:00 (土日祝は9:00〜18:00)", "定休日 毎週水曜日・第三火曜日", "所在地 東京都千代田区丸の内一丁目",
            "駐車場 店舗裏に20台分あり", "各種クレジットカード・電子マネー利用可", "最寄り駅から徒歩五分の距離です"]
    stub = "\n".join([web_leads[0], *info])  # one lead of prose, then shop details without 。
    assert 200 <= len(stub) < 400
    assert first_rule(stub) == "min_short_page_prose_frac"


def test_a_blocked_host_is_dropped_whatever_its_text(web_page):
    assert first_rule(web_page, url="https://www.pornhub.com/view") == "blocked_host"


# --- the rules that misfired on clean real text, each with the real text it misfired on ----------

def family_rule(family: str, text: str) -> str | None:
    """The rule of one family that drops the (cleaned) page, or None."""
    doc = Document(text=CLEANUP.clean(text), id="web/t", metadata={"source": "web", "url": "https://example.jp/"})
    (f,) = [f for f in FILTERS if f.family == family]
    result = f.filter(doc)
    return None if result is True else result[1]


def test_a_news_article_with_wi_fi_hyphens_and_one_203_character_sentence_passes(shared_data):
    text = page(shared_data, "yahoo-4/source.html")  # CNET Japan on Yahoo!ニュース, as ingest extracts it
    assert text.count("Wi-Fi") >= 20
    assert max(map(len, analysis_of(text).sentences)) >= 200
    assert first_rule(text) is None


def test_translated_literature_is_no_longer_dropped_for_single_long_sentences(shared_data):
    text = (shared_data / "text" / "aozora_56656_tsumi-to-batsu_yonekawa.utf8.txt").read_text(encoding="utf-8")
    pages = chunks(text, 1000)[20:220]
    assert sum(max(map(len, analysis_of(CLEANUP.clean(p)).sentences)) >= 200 for p in pages) >= 5  # the old rule's victims
    assert [family_rule("sentences", p) for p in pages].count("max_long_sentence_frac") == 0


def test_run_on_text_without_sentence_ends_fires_the_long_sentence_share(shared_data):
    text = (shared_data / "text" / "aozora_bocchan_natsume-soseki.txt").read_text(encoding="utf-8")
    run_on = re.sub("[。！？]", "", "\n".join(chunks(text, 1500)[3].splitlines()))
    assert family_rule("sentences", run_on) in {"max_long_sentence_frac", "max_avg_sentence_length"}
    assert analysis_of(CLEANUP.clean(run_on)).figure(FILTERS[2].checks[1].measure) > 0.2


def test_a_whole_clean_novel_passes_the_duplicate_ngram_rules(shared_data):
    text = (shared_data / "text" / "aozora_bocchan_natsume-soseki.txt").read_text(encoding="utf-8")
    a = analysis_of(CLEANUP.clean(text))
    assert a.dup_ngram_fraction(5) > 0.307  # the whole-document share grows with length
    assert a.windowed_dup_ngram_fraction(5, 5000) < 0.2
    five = QualityOptions(repetition=RepetitionOptions(max_dup_ngram_frac={5: 0.307}))
    (repetition,) = [f for f in quality_filters(five) if f.family == "repetition"]
    doc = Document(text=CLEANUP.clean(text), id="web/t", metadata={"source": "web"})
    assert repetition.filter(doc) is True  # even with FineWeb-2's 5-gram rule switched back on
    assert family_rule("repetition", text) is None


def test_generated_spam_still_fails_the_duplicate_ngram_rules(web_leads):
    # the same sentence template with the place changed: no paragraph or sentence repeats exactly
    places = ["札幌", "仙台", "東京", "横浜", "名古屋", "京都", "大阪", "神戸", "広島", "福岡", "熊本", "那覇"]
    spam = "\n".join(f"{p}で人気の脱毛サロンを徹底比較！{p}で安い脱毛サロンならここ。{p}の口コミで評判の脱毛サロンを紹介します。"
                     for p in places)
    assert family_rule("repetition", spam) is not None
    assert analysis_of(CLEANUP.clean(spam)).windowed_dup_ngram_fraction(10, 5000) > 0.6


def test_a_complete_short_article_passes(shared_data):
    text = page(shared_data, "nhk.or.jp.k100.html")  # NHK News Web Easy: 369 letters
    assert 300 < analysis_of(text).letters < 400
    assert first_rule(text) is None


def test_text_decoded_with_the_wrong_charset_fires_the_decoding_damage_rule(shared_data):
    import zipfile

    with zipfile.ZipFile(shared_data / "text" / "aozora_56656_tsumi-to-batsu_original-sjis.zip") as archive:
        raw = archive.read(next(n for n in archive.namelist() if n.endswith(".txt")))
    damaged = raw[20_000:26_000].decode("utf-8", errors="replace")  # Shift_JIS read as UTF-8
    assert damaged.count("\ufffd") / len(damaged) > 0.3
    assert first_rule(damaged) == "max_decoding_damage_frac"
    assert first_rule(raw[20_000:26_000].decode("cp932", errors="replace")) != "max_decoding_damage_frac"


def test_boilerplate_lines_inside_real_pages_are_removed(shared_data):
    nikkei = CLEANUP.clean(page(shared_data, "japanese_article.html"))
    assert "会員限定" not in nikkei and nikkei.startswith("6月12日の歴史的な米朝首脳会談")
    # 福娘童話集's sidebar as a markdown-style extractor writes its layout table
    rows = table_rows(html_of(shared_data, "hukumusume/source.html"))
    story = page(shared_data, "hukumusume/source.html").split("\n")[0]
    cleaned = CLEANUP.clean("\n".join([story, *rows]))
    assert "きょうの誕生花" not in cleaned and "肉をくわえたイヌが、橋を渡っていました。" in cleaned
    assert len(cleaned.splitlines()) <= 1 + len(rows) // 3  # most of the 31 rows are gone


def test_breadcrumbs_back_to_top_and_read_more_lines_go_but_sentences_mentioning_them_stay():
    page_text = "\n".join([
        "ホーム > ニュース > 地域 > 記事",
        "駅前の商店街では、今年も夏祭りの準備が始まった。",
        "続きを読む……",
        "詳しい日程は市のホームページ > 観光 > イベントの順にたどると見られる、と担当者は話す。",
        "このページのトップへ",
        "祭りは八月の第一土曜日に開かれる。",
    ])
    cleaned = CLEANUP.clean(page_text)
    assert cleaned.splitlines() == [
        "駅前の商店街では、今年も夏祭りの準備が始まった。",
        "詳しい日程は市のホームページ > 観光 > イベントの順にたどると見られる、と担当者は話す。",
        "祭りは八月の第一土曜日に開かれる。",
    ]


# --- lists beside prose: the script mix and sentence length are measured on the prose ----------

SWALLOW_PAGE_MEASURES = quality_filters(QualityOptions(char_ratios=CharRatioOptions(hiragana_over="page"),
                                                       sentences=SentenceOptions(max_avg_sentence_length_over="page")))


def test_prose_with_a_longer_list_of_company_names_passes(web_page, company_names):
    # an article whose 'major companies' list outweighs its prose, as in jawiki prefecture articles
    page = web_page + "\n主な企業\n" + "\n".join(company_names[:160])
    a = analysis_of(CLEANUP.clean(page))
    assert a.fraction("hiragana") < 0.2 and a.prose_fraction > 0.2
    assert first_rule(page) is None
    # measured on the whole page, as Swallow does, the names decide
    assert first_rule(page, filters=SWALLOW_PAGE_MEASURES) == "min_hiragana_fraction"


def test_headings_and_list_lines_do_not_lengthen_the_average_sentence(web_page, company_names):
    page = web_page + "\n主な企業\n" + "\n".join(company_names[:160])
    assert family_rule("sentences", page) is None
    page_measures = [f for f in SWALLOW_PAGE_MEASURES if f.family == "sentences"]
    assert first_rule(page, filters=page_measures) == "max_avg_sentence_length"


def test_a_list_with_one_sentence_of_introduction_fires_the_prose_share_rule(web_leads, company_names):
    page = web_leads[0] + "\n" + "\n".join(company_names[:60])
    assert analysis_of(CLEANUP.clean(page)).prose_fraction < 0.2
    assert family_rule("sentences", page) == "min_prose_frac"


def test_chinese_prose_still_fails_the_hiragana_rule(shared_data):
    text = page(shared_data, "chinese_article.html")  # a Chinese news article, ends its sentences with 。
    assert len(analysis_of(CLEANUP.clean(text)).prose_sentences) > 10
    assert first_rule(text) == "min_hiragana_fraction"


def test_a_mail_magazine_with_separator_rules_passes_the_repetition_rules(shared_data):
    from benchmarks.evalsets.quality_eval_set import document

    text = document(shared_data, "feed:tests/SHIFT_JIS/1affliate.com.xml")  # 90 separator lines of ━ and ＝
    assert family_rule("repetition", text) is None
    assert first_rule(text, filters=quality_filters(QualityOptions())) != "max_dup_paragraph_char_frac"
    unseparated = TextCleanup(CleanupOptions(remove_layout_lines=False))
    doc = Document(text=unseparated.clean(text), id="web/t", metadata={"source": "web", "url": "https://example.jp/"})
    (repetition,) = [f for f in FILTERS if f.family == "repetition"]
    assert repetition.filter(doc) == (False, "max_dup_paragraph_char_frac")


@pytest.mark.slow  # ingests the jawiki slice (~10 s)
def test_jawiki_articles_with_long_lists_of_names_pass_the_script_and_sentence_rules(shared_data):
    from benchmarks.evalsets.quality_eval_set import document

    # dev2 articles the page-wide measures dropped: a biography with its works, a prefecture with its lists,
    # an essay article whose headings had no 。
    for doc_id in ("wiki:251", "wiki:426", "wiki:62"):
        text = document(shared_data, doc_id)
        assert family_rule("char_ratios", text) is None, doc_id
        assert family_rule("sentences", text) is None, doc_id


# --- duplicate n-grams: lists repeat their fields by structure, spam repeats its text ----------

SWALLOW_PAGE_DUP_NGRAMS = quality_filters(QualityOptions(repetition=RepetitionOptions(dup_ngram_over="page")))


@pytest.fixture(scope="module")
def work_titles(shared_data) -> list[str]:
    """Real titles of works and products (製品名) from the stockmark jawiki NER sentences."""
    rows = json.loads((shared_data / "pii" / "stockmark_ner-wikipedia-ja.json").read_text(encoding="utf-8"))
    return list(dict.fromkeys(e["name"] for row in rows for e in row["entities"] if e["type"] == "製品名"))


def works_list(titles: list[str]) -> list[str]:
    """A manga artist's works list in the form of the dev2 biography the page-wide measure dropped:
    every work names its magazine and publisher, every book its label and publisher."""
    lines = []
    for i, title in enumerate(titles):
        year = 1975 + i
        lines += [f"{title}（{year}年 - {year + 2}年、週刊少年サンデー、小学館）",
                  f"単行本：{year + 1}年 - {year + 3}年、少年サンデーコミックス、小学館"]
    return lines


def test_prose_with_a_works_list_that_names_its_publisher_on_every_line_passes(web_page, work_titles):
    page = web_page + "\n作品リスト\n" + "\n".join(works_list(work_titles[:15]))
    a = analysis_of(CLEANUP.clean(page))
    assert a.windowed_dup_ngram_fraction(8, 5000) > 0.3  # on the page the list's fields repeat
    assert a.prose_and_repeated_lines.windowed_dup_ngram_fraction(8, 5000) < 0.05
    assert first_rule(page) is None
    assert first_rule(page, filters=SWALLOW_PAGE_DUP_NGRAMS) == "max_dup_8gram_frac"


def test_a_list_line_repeated_whole_still_counts_in_every_copy(web_page, work_titles):
    lines = works_list(work_titles[:15])
    a = analysis_of(CLEANUP.clean(web_page + "\n" + "\n".join(lines)))
    pasted = analysis_of(CLEANUP.clean(web_page + "\n" + "\n".join(lines + lines)))
    assert a.prose_and_repeated_lines.text.count("単行本") == 0
    assert pasted.prose_and_repeated_lines.text.count("単行本") == 30
    assert pasted.prose_and_repeated_lines.windowed_dup_ngram_fraction(8, 5000) > 0.4
    assert family_rule("repetition", web_page + "\n" + "\n".join(lines + lines)) is not None


def test_sentences_repeated_in_new_combinations_still_fire_the_duplicate_ngram_rule(web_page):
    # every line a different mix of the page's real sentences: no line repeats, the sentences do
    import random

    from filters.quality.repetition import RepetitionFilter

    sentences = analysis_of(web_page).prose_sentences
    rng = random.Random(0)
    lines = ["".join(rng.sample(sentences, 3)) for _ in range(12)]
    assert len(set(lines)) == len(lines)
    spam = CLEANUP.clean("\n".join(lines))
    assert analysis_of(spam).prose_and_repeated_lines.windowed_dup_ngram_fraction(8, 5000) > 0.4
    ngrams_only = RepetitionFilter(RepetitionOptions(max_dup_paragraph_frac=None, max_dup_paragraph_char_frac=None,
                                                     max_dup_sentence_frac=None, max_dup_sentence_char_frac=None,
                                                     max_top_ngram_frac={}))
    assert ngrams_only.filter(Document(text=spam, id="web/t", metadata={"source": "web"})) == (False, "max_dup_8gram_frac")


def test_real_lyrics_pages_with_repeated_choruses_and_credits_still_fail_the_duplicate_ngram_rule(shared_data):
    from benchmarks.evalsets.quality_eval_set import document

    # dev junk: a fan site's song transcriptions, choruses and the credit lines of every song repeated
    text = document(shared_data, "feed:tests/SHIFT_JIS/sakusaka-silk.net.xml")
    assert first_rule(text) == "max_dup_8gram_frac"
    assert analysis_of(CLEANUP.clean(text)).prose_fraction < 0.3  # its repeats are lines, not sentences


def test_a_page_without_prose_sentences_is_measured_whole():
    from filters.quality.repetition import dup_ngram_fraction, prose_dup_ngram_fraction

    rows = "\n".join(f"求人番号{i:03d} 介護スタッフ 時給1200円 勤務地 大阪府大阪市北区" for i in range(40))
    a = analysis_of(rows)
    assert not a.prose_sentences
    assert prose_dup_ngram_fraction(a, 8, 5000) == dup_ngram_fraction(a, 8, 5000) > 0.6


@pytest.mark.slow  # ingests the jawiki slice (~10 s)
def test_the_dev2_biography_with_a_works_list_passes_the_chain(shared_data):
    from benchmarks.evalsets.quality_eval_set import document

    text = document(shared_data, "wiki:235")  # 村上もとか: prose, then works with magazine and publisher per line
    assert first_rule(text) is None
    assert first_rule(text, filters=SWALLOW_PAGE_DUP_NGRAMS) == "max_dup_8gram_frac"
