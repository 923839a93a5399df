"""Keyword lists in one automaton, and the NG-expression family that uses them."""

from __future__ import annotations

import pickle

from datatrove.data import Document

from filters.quality.keywords import KeywordMatcher, read_list
from filters.quality.ng_expressions import NgExpressionFilter
from filters.quality.options import LISTS_DIR, NgExpressionOptions, NgList


def write(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_lists_skip_comments_and_blank_lines_and_are_nfkc_normalized(tmp_path):
    path = write(tmp_path, "l.txt", ["# header", "", "ＡＢＣ  # trailing comment", "ﾃｽﾄ"])
    assert read_list(path) == ["ABC", "テスト"]


def test_all_lists_are_counted_in_one_pass(tmp_path):
    matcher = KeywordMatcher({"a": write(tmp_path, "a.txt", ["りんご", "みかん"]), "b": write(tmp_path, "b.txt", ["みかん", "ぶどう"])})
    counts = matcher.count("りんごとみかんとぶどうとみかん")
    assert counts == {"a": (3, 9), "b": (3, 9)}


def test_longest_match_wins(tmp_path):
    matcher = KeywordMatcher({"a": write(tmp_path, "a.txt", ["東京", "東京タワー"])})
    assert matcher.count("東京タワーに行った") == {"a": (1, 5)}


def test_a_katakana_keyword_inside_a_longer_katakana_word_does_not_count(tmp_path):
    lists = {"a": write(tmp_path, "a.txt", ["アス"])}
    assert KeywordMatcher(lists).count("アスパラガスを食べた")["a"] == (0, 0)
    assert KeywordMatcher(lists).count("これはアスだ")["a"] == (1, 2)
    assert KeywordMatcher(lists, katakana_boundary=False).count("アスパラガス")["a"] == (1, 2)


def test_an_empty_list_matches_nothing(tmp_path):
    assert KeywordMatcher({"a": write(tmp_path, "a.txt", ["# nothing"])}).count("なんでも")["a"] == (0, 0)


def test_the_matcher_pickles_without_its_automaton(tmp_path):
    matcher = KeywordMatcher({"a": write(tmp_path, "a.txt", ["りんご"])})
    matcher.count("りんご")
    copy = pickle.loads(pickle.dumps(matcher))
    assert copy._automaton is None and copy.count("りんごりんご")["a"] == (2, 6)


def test_bundled_lists_exist_for_every_default_list():
    for name in NgExpressionOptions().lists:
        assert read_list(LISTS_DIR / f"{name}.txt")


def test_ng_fraction_and_count_limits_are_per_list(tmp_path):
    path = write(tmp_path, "mine.txt", ["禁句"])
    options = NgExpressionOptions(lists={"mine": NgList(path=str(path), max_fraction=None, max_count=2)})
    f = NgExpressionFilter(options)
    doc = Document(text="禁句。" * 2 + "普通の文章です。" * 20, id="web/1", metadata={"source": "web"})
    assert f.filter(doc) is True
    doc = Document(text="禁句。" * 3 + "普通の文章です。" * 20, id="web/2", metadata={"source": "web"})
    assert f.filter(doc) == (False, "max_ng_mine_count")
    assert doc.metadata["figures"]["ng_mine_count"] == 3


def test_the_prefilter_on_code_points_never_changes_a_count(tmp_path):
    import random

    import numpy as np

    lists = {"long": write(tmp_path, "long.txt", ["りんご", "アス", "東京タワー", "𝐀𝐁"]),
             "short": write(tmp_path, "short.txt", ["ア", "みかん"])}
    matchers = [KeywordMatcher({"long": lists["long"]}), KeywordMatcher(lists), KeywordMatcher(lists, katakana_boundary=False)]
    pieces = ["りんご", "りん", "ご", "アス", "ア", "ス", "パラ", "東京", "タワー", "𝐀", "𝐁", "みか", "ん", " ", "\n"]
    rng = random.Random(1)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        for matcher in matchers:
            assert matcher.count(text, cps) == matcher.count(text), text
