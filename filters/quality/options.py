"""Every quality threshold, with its default and where the default comes from.

One pydantic model per rule family, kept here next to the rules so the config a user
edits and the code that applies it cannot drift apart. A threshold set to `null`
switches that one rule off; `enabled: false` switches off a family.

Sources named below:
- Swallow: Okazaki et al. 2024, "Building a Large Japanese Web Corpus for Large Language
  Models", arXiv:2404.17733, §3.4 (quality filtering) and §3.6 (modification); the
  thresholds as re-implemented for LLM-jp in llm-jp-corpus `scripts/filters.py`
  (`has_documents_with_min_length`, `has_valid_hiragana_fraction`, ...).
- Gopher: Rae et al. 2021, arXiv:2112.11446, Table A1 (repetition thresholds).
- FineWeb-2: huggingface/fineweb-2@baedee44 `configs/jpn_Jpan.yml`, the repetition
  thresholds FineWeb-2 calibrated for Japanese.
- HojiChar: HojiChar/HojiChar@000d3f53 `hojichar/filters/document_filters.py`.
- LLM-jp: llm-jp-corpus `scripts/filters.py` (`has_good_compression_ratio`,
  `is_not_adult_content`, `is_not_discrimination_content`, `is_not_violence_content`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from corpus.config import Strict

LISTS_DIR = Path(__file__).resolve().parent / "ng_words"


class RepetitionOptions(Strict):
    """Repeated paragraphs, sentences and character n-grams (Gopher's rules on characters, as Swallow does)."""

    enabled: bool = True
    max_dup_paragraph_frac: float | None = Field(
        0.30, description="fraction of paragraphs (non-empty lines) that repeat an earlier one. Source: Swallow / Gopher 0.30")
    max_dup_paragraph_char_frac: float | None = Field(
        0.20, description="characters in repeated paragraphs / characters. Source: Swallow / Gopher 0.20")
    max_dup_sentence_frac: float | None = Field(
        0.30, description="fraction of sentences that repeat an earlier one. Source: Swallow / Gopher 0.30 (Gopher: lines)")
    max_dup_sentence_char_frac: float | None = Field(
        0.20, description="characters in repeated sentences / characters. Source: Swallow / Gopher 0.20 (Gopher: lines)")
    max_top_ngram_frac: dict[int, float] = Field(
        default_factory=lambda: {2: 0.20, 3: 0.18, 4: 0.16},
        description="n -> max share of characters taken by the most frequent character n-gram. Source: Swallow / Gopher")
    max_dup_ngram_frac: dict[int, float] = Field(
        default_factory=lambda: {8: 0.248, 9: 0.234, 10: 0.223},
        description="n -> max share of characters inside character n-grams that occurred earlier (in the same window). "
                    "Source: FineWeb-2 jpn_Jpan's values for n = 8..10 (Gopher/Swallow's 0.15..0.10, meant for word "
                    "n-grams, drop 57% of clean 3,000-character chunks of 罪と罰 on character n-grams). n = 5..7 "
                    "(FineWeb-2: 0.307, 0.283, 0.264) are off: 5-7 characters are a topic word, not a repeated "
                    "passage; a clean news article naming フリーWi-Fiプロテクション 23 times scores 0.356 at n = 5 "
                    "and 0.223 at n = 8, pasted or templated spam 0.6-0.8 at every n (docs/filter.md)")
    dup_ngram_window: int = Field(
        5000, ge=100, description="duplicate n-grams are counted within windows of about this many characters (the "
        "page split evenly), averaged by characters: on one document the share grows with its length (坊っちゃん: "
        "0.124 over its first 3,000 characters, 0.377 over all 90,000), within windows it does not (0.124). Pages "
        "under 1.5 windows are one window. Source: jacorpus, measured on Aozora (docs/filter.md)")
    dup_ngram_over: Literal["prose", "page"] = Field(
        "prose", description="what `max_dup_ngram_frac` measures: `prose` = the sentences ending in 。！？ plus every "
        "copy of any other sentence (heading, list line, fragment) that occurs more than once (figure "
        "prose_dup_{n}gram_frac; the whole page when it has no prose sentence), `page` = every character as "
        "Swallow/FineWeb-2 (figure dup_{n}gram_frac). On the page, works lists that repeat a magazine and publisher "
        "name on every line drop clean jawiki biographies (dev2: 0.293 at n = 8; on the prose and repeated lines "
        "0.093); pasted sentences, paragraphs and lines still count in every copy. Source: jacorpus (dev splits, "
        "docs/filter.md)")

    @field_validator("max_top_ngram_frac", "max_dup_ngram_frac")
    @classmethod
    def _n_at_least_two(cls, value: dict[int, float]) -> dict[int, float]:
        if any(n < 2 for n in value):
            raise ValueError("n-gram sizes must be >= 2")
        return value


class CharRatioOptions(Strict):
    """Length and script mix: is this Japanese prose at all?"""

    enabled: bool = True
    max_decoding_damage_frac: float | None = Field(
        0.005, description="U+FFFD, control characters (C0 but tab and line breaks, C1) and private-use characters / "
        "letters: text decoded with the wrong charset or cut mid-character. Source: jacorpus (clean tuning text: 0)")
    min_letters: int | None = Field(
        200, description="non-whitespace characters. Source: Swallow drops < 400; lowered because complete short "
        "articles (NHK News Web Easy: 369) are clean, with short pages judged by `min_short_page_prose_frac` instead")
    short_page_letters: int = Field(400, ge=0, description="pages with fewer letters must pass `min_short_page_prose_frac`. Source: Swallow's 400")
    min_short_page_prose_frac: float | None = Field(
        0.8, description="on a short page, letters in sentences that end with 。！？ (or a closing bracket after one) / "
        "letters in all sentences: a short article is complete sentences, a stub or menu is not. Source: jacorpus")
    min_hiragana_fraction: float | None = Field(0.2, description="hiragana / letters. Source: Swallow (< 0.2 removed)")
    hiragana_over: Literal["prose", "page"] = Field(
        "prose", description="what `min_hiragana_fraction` measures: `prose` = the sentences ending in 。！？ (the whole "
        "page when it has none; figure prose_hiragana_fraction), `page` = every letter as Swallow (figure "
        "hiragana_fraction). On the page, lists of kanji and katakana names drop Japanese articles whose prose is "
        "ordinary (11 of the 20 clean documents the round-one rules dropped in the dev splits); lists are judged by "
        "`sentences.min_prose_frac`. Source: jacorpus (dev splits, docs/filter.md)")
    max_katakana_fraction: float | None = Field(0.5, description="katakana (with ー and ・) / letters. Source: Swallow (> 0.5 removed)")
    min_japanese_fraction: float | None = Field(
        0.5, description="hiragana + katakana + kanji + Japanese punctuation / letters. Source: Swallow (< 0.5 removed)")


class SentenceOptions(Strict):
    """Sentence lengths and ellipsis endings."""

    enabled: bool = True
    min_avg_sentence_length: float | None = Field(
        20, description="letters per sentence-ending mark (。！？). Source: Swallow (< 20 removed)")
    max_avg_sentence_length: float | None = Field(
        90, description="letters per sentence-ending mark (。！？). Source: Swallow (> 90 removed)")
    max_avg_sentence_length_over: Literal["prose", "page"] = Field(
        "prose", description="whose letters `max_avg_sentence_length` counts: `prose` = the letters of the sentences "
        "ending in 。！？ (figure prose_avg_sentence_length; a page without any is measured whole), `page` = every "
        "letter on the page as Swallow/LLM-jp (figure avg_sentence_length), where headings and list lines, which end "
        "without 。, lengthen the 'sentences' of an article with lists past 90. The minimum always counts the page: "
        "lists only raise it, and on the prose alone short casual sentences fail it (3 clean blogs of the dev split). "
        "Source: jacorpus (dev splits, docs/filter.md)")
    min_prose_frac: float | None = Field(
        0.2, description="characters in sentences ending in 。！？ / characters in all sentences (lines or parts "
        "of lines): below it the page is mostly lists, tables, indexes, menus or link logs. Clean text: KWDLC "
        "pages >= 0.92, Aozora novels in 1,000-character chunks >= 0.42, the dev splits' blogs and mail magazine "
        ">= 0.48, their jawiki articles with long lists of works or places down to 0.18, a diary written without "
        "。 0.13; their list articles, link pages and licence headers 0.06-0.19. Source: jacorpus (dev splits, "
        "docs/filter.md)")
    max_sentence_length: int | None = Field(
        None, description="letters in the longest sentence (split at 。！？ and line breaks); off: one long sentence drops "
        "clean news and literature (27 of 484 clean 1,000-character chunks of 罪と罰). Source: Swallow (>= 200 removed)")
    long_sentence_length: int = Field(200, ge=1, description="a sentence of at least this many characters is long. Source: Swallow (200)")
    max_long_sentence_frac: float | None = Field(
        0.2, description="share of sentences that are long: run-on text without punctuation is nearly all long "
        "sentences, clean prose has few (罪と罰 in 1,000-character chunks: at most 0.083). Source: Swallow's 200-character "
        "rule applied as a share per document, as the issue of clean pages dropped for one sentence asked")
    max_ellipsis_sentence_frac: float | None = Field(
        0.2, description="sentences ending in …, ..., ・・・ or 「続きを読む」. Source: Swallow (> 0.2 removed)")


class NgList(Strict):
    """One NG-expression list: a text file with one expression per line (# comments allowed)."""

    path: str | None = Field(None, description="file to read; null = the bundled filters/quality/ng_words/<name>.txt")
    max_fraction: float | None = Field(0.05, description="characters inside matches / letters")
    max_count: int | None = Field(None, description="matches")


def _default_ng_lists() -> dict[str, NgList]:
    # fractions: Swallow's NG-expression fraction (0.05); counts: LLM-jp's per-list max_allowed_num
    return {
        "adult": NgList(max_fraction=0.05, max_count=100),
        "discrimination": NgList(max_fraction=0.05, max_count=20),
        "violence": NgList(max_fraction=0.05, max_count=15),
    }


class NgExpressionOptions(Strict):
    """NG expressions (adult, discrimination, violence), all lists matched by one Aho-Corasick automaton."""

    enabled: bool = True
    lists: dict[str, NgList] = Field(
        default_factory=_default_ng_lists,
        description="list name -> list; thresholds: Swallow (fraction 0.05), LLM-jp (max counts 100/20/15)")
    katakana_boundary: bool = Field(
        True, description="a katakana-only expression matches only when not inside a longer katakana word "
                          "(HojiChar NgWordsFilterJa ignore_confused)")


class HojiCharOptions(Strict):
    """LLM-jp / HojiChar rules: ads, BBS boilerplate, compressibility, character runs, short lines."""

    enabled: bool = True
    max_ad_keywords: int | None = Field(14, description="advertisement keyword matches. Source: HojiChar DiscardAds (max_allowed_num=14)")
    ads_path: str | None = Field(None, description="ad keyword list; null = bundled filters/quality/ng_words/ads.txt")
    max_bbs_patterns: int | None = Field(
        None, description="matches of HojiChar's BBS pattern (dates, コメント, 投稿, (月)..., hyphens only outside words); "
        "off: an absolute count grows with length (clean jawiki articles: median 19, 90th percentile 138). "
        "Source: HojiChar DiscardBBSComments (14)")
    max_bbs_patterns_per_kchar: float | None = Field(
        12.0, description="BBS patterns per 1,000 letters, dates only as post headers (with a weekday or time), no "
        "hyphens: clean tuning text stays under 10 (jawiki articles at most 9.7, KWDLC pages 8.5), a forum page "
        "scores 20-80. Source: HojiChar's pattern as a density, threshold measured by jacorpus (docs/filter.md)")
    min_compression_ratio: float | None = Field(
        0.3, description="zlib(level 9) bytes / UTF-8 bytes; lower = repetitive. Source: LLM-jp has_good_compression_ratio")
    max_compression_ratio: float | None = Field(
        0.7, description="higher = random strings. Source: LLM-jp has_good_compression_ratio")
    max_char_run: int | None = Field(
        200, description="drop at a run of this many identical characters. Source: HojiChar SingleCharacterRepetitionFilter (200)")
    max_short_line_frac: float | None = Field(
        None, description="share of non-empty lines of <= short_line_length characters; off: it drops articles with lists "
        "(jawiki: 10% of articles over 0.49). Source: HojiChar DiscardTooShortLines (0.5; HojiChar also counts blank lines)")
    max_short_line_char_frac: float | None = Field(
        0.4, description="share of the characters of non-empty lines that are in short lines: a menu, tag cloud or "
        "list page is mostly short lines by characters, an article with lists is not (jawiki: 99th percentile 0.33, "
        "KWDLC pages 0.05). Source: HojiChar DiscardTooShortLines, weighted by characters (jacorpus)")
    short_line_length: int = Field(10, description="Source: HojiChar DiscardTooShortLines (10)")


class NounRatioOptions(Strict):
    """Share of nouns among words (fugashi/MeCab, UniDic): word salad and keyword lists are nearly all nouns."""

    enabled: bool = Field(False, description="off by default: the one rule that needs a MeCab pass (about 3 MB/s)")
    max_noun_ratio: float | None = Field(
        0.80, description="nouns / tokens other than 補助記号. Source: HojiChar DiscardTooManyNouns (0.80)")


class ModelOptions(Strict):
    """Model-based quality scores (`jacorpus quality train` writes the model directories)."""

    enabled: bool = Field(False, description="off by default: scores are measured on the labelled set, thresholds not yet validated")
    classifier: str | None = Field(None, description="classifier model directory; its score goes to figures.quality_score")
    lm: str | None = Field(None, description="character LM directory; its perplexity goes to figures.lm_perplexity")
    min_quality_score: float | None = Field(
        None, description="drop below this classifier probability. Source: Swallow v2 / FineWeb-Edu keep the best-scored pages")
    keep_top_share: float | None = Field(
        None, gt=0, le=1, description="keep the share of pages a score above the model's held-out web quantile would keep "
                                      "(Swallow v2 keeps the top 10%)")
    max_lm_perplexity: float | None = Field(
        None, description="drop above this perplexity per character. Source: CCNet; Enomoto et al. 2024")
    lm_keep_top_share: float | None = Field(None, gt=0, le=1, description="as keep_top_share, for the LM (lowest perplexity kept)")


class HostBlocklistOptions(Strict):
    """Hosts whose pages are dropped whatever their text (Swallow filters by host name)."""

    enabled: bool = True
    path: str | None = Field(None, description="one host per line; null = bundled filters/quality/ng_words/hosts.txt")
    hosts: list[str] = Field(default_factory=list, description="extra hosts to block (subdomains are blocked too)")


class QualityOptions(Strict):
    """The quality rules of the filter stage, applied to web documents."""

    enabled: bool = True
    sources: list[str] = Field(default_factory=lambda: ["web"], description="sources the rules apply to; others pass")
    record_all_figures: bool = Field(
        True, description="measure every rule on every document (full histograms in the report); "
                          "false stops measuring at the first rule that fires (faster on very dirty input)")
    host_blocklist: HostBlocklistOptions = Field(default_factory=HostBlocklistOptions)
    char_ratios: CharRatioOptions = Field(default_factory=CharRatioOptions)
    sentences: SentenceOptions = Field(default_factory=SentenceOptions)
    repetition: RepetitionOptions = Field(default_factory=RepetitionOptions)
    ng_expressions: NgExpressionOptions = Field(default_factory=NgExpressionOptions)
    hojichar: HojiCharOptions = Field(default_factory=HojiCharOptions)
    noun_ratio: NounRatioOptions = Field(default_factory=NounRatioOptions)
    model: ModelOptions = Field(default_factory=ModelOptions, description="classifier score and LM perplexity (off by default)")


class CleanupOptions(Strict):
    """Text clean-up before the rules (Swallow §3.6 modification)."""

    enabled: bool = True
    sources: list[str] = Field(
        default_factory=lambda: ["web"],
        description="sources whose boilerplate lines and footers are removed; others keep every line")
    normalize_sources: list[str] = Field(
        default_factory=lambda: ["web", "wiki"],
        description="sources given the same Unicode and punctuation normalisation (NFKC mode below, ．，-> 。、), so "
                    "web and wiki text agree on （ vs ( and full-width digits; code is left byte-exact, since folding "
                    "characters inside string literals changes what a program prints")
    nfkc: Literal["safe", "full", "off"] = Field(
        "safe", description="safe: NFKC's width and kana folding and canonical composition, but circled numbers, "
                            "super/subscripts, square unit symbols, fractions and other <compat> forms (①, ², ㎡, №, …, "
                            "‥) and the wave dashes ～ 〜 stay as written; full: plain NFKC; off")
    japanese_punctuation: bool = Field(True, description="full-width ．，→ 。、 in Japanese text (not between digits). Source: Swallow")
    remove_boilerplate_lines: bool = Field(
        True, description="drop whole lines that are navigation or notices anywhere on the page (back to top, breadcrumbs, "
                          "続きを読む, paywall notices, table-pipe sidebars). Source: Swallow footer removal, FineWeb line rules")
    remove_layout_lines: bool = Field(
        True, description="drop lines of symbols and punctuation alone, with no letter, digit, kana or kanji (separator "
        "rules ━━━ ＝＝＝, a lone 、 or （ left where markup was cut into lines): they carry no text, and repeated "
        "separators otherwise count as repeated paragraphs and top n-grams (a mail magazine of the dev split). "
        "Source: jacorpus; FineWeb line rules")
    boilerplate_path: str | None = Field(
        None, description="line patterns, one regex per line; null = bundled ng_words/boilerplate_lines.txt")
    trim_footers: bool = Field(True, description="drop trailing boilerplate lines (copyright, 'back to top', share buttons). Source: Swallow")
    footer_lines: int = Field(8, ge=0, description="how many trailing lines may be trimmed")
    footer_path: str | None = Field(None, description="footer patterns, one regex per line; null = bundled ng_words/footers.txt")
