"""Rule families as datatrove filters: web only, reasons and figures, switches, options, pickling."""

from __future__ import annotations

import pickle
import random
import re

import pytest
from datatrove.data import Document
from pydantic import ValidationError

from filters.quality.analysis import analysis_of
from filters.quality.chain import quality_checks, quality_filters, quality_steps
from filters.quality.char_ratios import CharRatioFilter
from filters.quality.hojichar_rules import BBS_PATTERN, HojiCharRuleFilter, compression_ratio
from filters.quality.host_blocklist import HostBlocklistFilter
from filters.quality.options import CharRatioOptions, HostBlocklistOptions, QualityOptions, RepetitionOptions
from filters.quality.rules import QualityFigures

PROSE = (
    "駅前の商店街には、昔ながらの八百屋や豆腐屋が今も並んでいる。朝早くから店を開ける人が多く、"
    "通勤途中に立ち寄って野菜を買っていく会社員の姿もよく見かける。\n"
)


def web(text: str, **meta) -> Document:
    return Document(text=text, id="web/1", metadata={"source": "web", **meta})


def test_a_dropped_document_names_the_rule_and_keeps_the_value_that_crossed_it():
    doc = web("カタカナ" * 200)
    assert CharRatioFilter().filter(doc) == (False, "max_katakana_fraction")
    assert doc.metadata["figures"]["katakana_fraction"] == 1.0
    assert doc.metadata["figures"]["letters"] == 800


def test_wiki_and_code_pass_the_quality_rules_untouched():
    for source in ("wiki", "code"):
        doc = Document(text="x = 1\n" * 3, id=f"{source}/1", metadata={"source": source})
        assert all(f.filter(doc) is True for f in quality_filters(QualityOptions()))
        assert "figures" not in doc.metadata


def test_the_sources_the_rules_apply_to_are_configurable():
    options = QualityOptions(sources=["web", "wiki"])
    doc = Document(text="短い", id="wiki/1", metadata={"source": "wiki"})
    assert quality_filters(options)[1].filter(doc) == (False, "min_letters")


def test_a_threshold_set_to_null_switches_that_rule_off():
    doc = web("カタカナ" * 200)
    f = CharRatioFilter(CharRatioOptions(max_katakana_fraction=None))
    assert f.filter(doc) == (False, "min_hiragana_fraction")


def test_a_disabled_family_has_no_rules_and_drops_nothing():
    options = QualityOptions()
    options.char_ratios.enabled = False
    assert [f.family for f in quality_filters(options)][:2] == ["host_blocklist", "sentences"]
    assert CharRatioFilter(CharRatioOptions(enabled=False)).filter(web("カ")) is True


def test_noun_ratio_is_off_by_default_and_on_when_asked():
    assert "noun_ratio" not in [f.family for f in quality_filters(QualityOptions())]
    options = QualityOptions()
    options.noun_ratio.enabled = True
    assert quality_filters(options)[-1].family == "noun_ratio"


def test_quality_figures_measures_every_rule_before_any_drop():
    options = QualityOptions()
    steps = quality_steps(options)
    assert isinstance(steps[0], QualityFigures)
    doc = web("カタカナ" * 200)
    out = list(steps[0].run(iter([doc])))
    figures = out[0].metadata["figures"]
    every = {check.figure for _, check in quality_checks(options)}
    assert every <= set(figures)  # also the figures of rules after the one that will drop it


def test_without_record_all_figures_measuring_stops_at_the_first_rule_that_fires():
    options = QualityOptions(record_all_figures=False)
    steps = quality_steps(options)
    assert not any(isinstance(s, QualityFigures) for s in steps)
    doc = web("カタカナ" * 200)
    data = iter([doc])
    for step in steps:
        data = step.run(data)
    assert list(data) == []
    figures = doc.metadata["figures"]
    assert figures["katakana_fraction"] == 1.0
    assert "prose_hiragana_fraction" not in figures  # the next rule of the same family
    assert "top_2gram_frac" not in figures  # a later family


def test_unknown_option_keys_and_bad_ngram_sizes_are_errors():
    with pytest.raises(ValidationError):
        QualityOptions.model_validate({"char_ratio": {}})
    with pytest.raises(ValidationError):
        RepetitionOptions(max_dup_ngram_frac={1: 0.5})


def test_options_from_yaml_keys_build_the_same_rules():
    options = QualityOptions.model_validate({"repetition": {"max_top_ngram_frac": {"2": 0.1}}})
    reasons = [check.reason for family, check in quality_checks(options) if family == "repetition"]
    assert "max_top_2gram_frac" in reasons and "max_top_3gram_frac" not in reasons


def test_host_block_list_blocks_listed_hosts_and_their_subdomains_only():
    f = HostBlocklistFilter(HostBlocklistOptions(hosts=["spam.example"]))
    assert f.filter(web(PROSE, url="https://spam.example/a")) == (False, "blocked_host")
    assert f.filter(web(PROSE, url="http://www.Spam.Example./b")) == (False, "blocked_host")
    assert f.filter(web(PROSE, url="https://notspam.example/")) is True
    assert f.filter(web(PROSE)) is True  # no url


def test_host_block_list_reads_a_user_file(tmp_path):
    hosts = tmp_path / "hosts.txt"
    hosts.write_text("# mine\nbad.example.jp\n", encoding="utf-8")
    f = HostBlocklistFilter(HostBlocklistOptions(path=str(hosts)))
    assert f.filter(web(PROSE, url="https://a.bad.example.jp/")) == (False, "blocked_host")
    assert f.filter(web(PROSE, url="https://pornhub.com/")) is True  # the bundled list is replaced


def test_random_strings_fail_the_compression_ratio_rule():
    rng = random.Random(0)
    noise = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(2000))
    assert compression_ratio(analysis_of(noise)) > 0.7
    assert compression_ratio(analysis_of(PROSE * 3)) < 0.7
    doc = web(noise)
    assert HojiCharRuleFilter().filter(doc) == (False, "max_compression_ratio")


def test_steps_pickle_for_datatrove_workers():
    steps = quality_steps(QualityOptions())
    copies = pickle.loads(pickle.dumps(steps))
    doc = web("カタカナ" * 200)
    assert copies[2].filter(doc) == (False, "max_katakana_fraction")


def _bbs_reference(text: str) -> int:
    """The plain definition: HojiChar's regex without its bare "-", plus hyphens that are not
    inside a word nor inside a counted date, plus the forum markers."""
    import re

    hojichar_without_hyphen = re.compile(BBS_PATTERN.pattern.removesuffix("|-"))
    dates = [m.span() for m in re.finditer(r"\d{4}[年\.\-\/][\ ]*\d{1,2}[月\.\-\/][\ ]*\d{1,2}[日]*", text)]
    loose = [m.start() for m in re.finditer(r"(?<![^\W_])-|-(?![^\W_])", text)]
    loose = [at for at in loose if not any(b <= at < e for b, e in dates)]
    markers = re.findall(r"ID:[0-9A-Za-z+/.]{4,}|>>\d+|名無し", text)
    return len(hojichar_without_hyphen.findall(text)) + len(loose) + len(markers)


def test_bbs_count_equals_its_plain_regex_definition():
    from filters.quality.hojichar_rules import bbs_patterns

    for text in ("2024-3-4話", "2024-3-456話", "2024年3月4日話", "2024/12/31話 第5話", "2024- 3-4 -", "Wi-Fi"):
        assert bbs_patterns(analysis_of(text)) == _bbs_reference(text), text
    pieces = ["2024", "年", "3", "月", "4", "日", "-", "/", ".", " ", "(月)", "(", "話", "12", "コメント", "SOLD OUT",
              "レビュー", "投稿", "ページ", "質問", "楽天市場", "あ", "１２３４", "2024-3-4話", "Wi", "ID:", "ab12", ">>",
              "名無し", "_"]
    rng = random.Random(5)
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        assert bbs_patterns(analysis_of(text)) == _bbs_reference(text), text


def test_hyphens_inside_words_are_not_bbs_patterns_on_a_real_article(shared_data):
    """The CNET Japan article on Yahoo!ニュース (readability's fixture): 23 hyphens of Wi-Fi."""
    from filters.quality.hojichar_rules import bbs_patterns

    html = (shared_data / "web" / "gold" / "readability_yahoo-4.expected.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "\n", html)
    assert text.count("Wi-Fi") >= 20 and len(BBS_PATTERN.findall(text)) > 14  # HojiChar's count would drop it
    assert bbs_patterns(analysis_of(text)) <= 3


def test_forum_markers_count_as_bbs_patterns():
    from filters.quality.hojichar_rules import bbs_patterns

    posts = "\n".join(f"{i}: 名無しさん ID:Ab3dEf9h >>{i - 1} それな" for i in range(2, 7))
    assert bbs_patterns(analysis_of(posts)) == 15


def test_bbs_dates_and_episodes_equal_their_regexes_with_any_unicode_digit():
    import re

    from filters.quality.hojichar_rules import _BBS_DATE, _dates, _episodes

    # \\d is every Unicode decimal digit: Arabic-Indic, Devanagari, and beyond the BMP (Osmanya)
    pieces = ["2024", "٢٠٢٤", "४४४४", "\U000104A0" * 4, "年", "3", "٣", "月", "4", "日", "-", "/", ".", " ", "話",
              "12", "あ", "𝐀", "\n"]
    rng = random.Random(6)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        assert [m.group() for m in _dates(analysis_of(text))] == _BBS_DATE.findall(text), text
        assert _episodes(text) == len(re.findall(r"\d+話", text)), text


def test_character_runs_and_short_lines_equal_their_plain_definitions():
    from itertools import groupby

    from filters.quality.hojichar_rules import longest_char_run, short_line_fraction

    rng = random.Random(8)
    for _ in range(2000):
        text = "".join(rng.choice("ああい\n 𝐀") for _ in range(rng.randint(0, 30)))
        a = analysis_of(text)
        assert longest_char_run(a) == max((len(list(run)) for _, run in groupby(text)), default=0), text
        lines = [line.strip() for line in text.split("\n") if line.strip()]
        assert short_line_fraction(a, 2) == (sum(len(line) <= 2 for line in lines) / len(lines) if lines else 0.0)


def test_broken_and_extreme_documents_are_judged_without_crashing():
    options = QualityOptions()
    options.noun_ratio.enabled = True
    texts = ["", "\n\n\n", "\ud800あいう", "あ" * 200_000, "\x00\x01", "ｰ" * 300, "\u3099" * 10]
    docs = [web(t, url="::not a url::") for t in texts]
    data = iter(docs)
    for step in quality_steps(options):
        data = step.run(data)
    assert list(data) == []  # all of them are bad pages
    assert all("letters" in d.metadata["figures"] for d in docs)


def test_a_rule_that_cannot_measure_excludes_the_document_with_a_reason():
    from filters.quality.rules import Check, QualityRuleFilter

    def broken(_):
        raise ValueError("boom")

    class Broken(QualityRuleFilter):
        family = "broken"

        def build_checks(self, options):
            return [Check("never", "never", broken, 1.0, "above")]

    assert Broken(CharRatioOptions()).filter(web(PROSE)) == (False, "quality_error")
