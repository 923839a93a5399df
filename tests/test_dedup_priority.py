"""Which copy survives."""

from __future__ import annotations

import numpy as np
import pytest
from datatrove.data import Document

from filters.dedup.priority import SourcePriority


def doc(source, text="本文" * 50):
    return Document(text=text, id="x", metadata={"source": source})


def test_wiki_beats_web_beats_code_by_default():
    p = SourcePriority()
    assert p(doc("wiki", "短い")) > p(doc("web", "長い" * 1000)) > p(doc("code", "長い" * 5000))


def test_order_is_configurable_and_unlisted_sources_come_last():
    p = SourcePriority(["web", "wiki"])
    assert p(doc("web")) > p(doc("wiki")) > p(doc("code")) == p(Document(text="", id="y")) == 1


def test_exact_copies_of_one_source_tie_on_priority_so_the_id_decides():
    # the smallest id wins the tie in the exact finder (tests/test_dedup_exact.py)
    assert SourcePriority()(doc("web", "あ" * 2000)) == SourcePriority()(doc("web", "あ" * 10))


def test_cluster_ranking_uses_source_then_length_unless_length_is_off():
    scores, lengths = SourcePriority().rank_columns(np.array(["web", "wiki", "odd"], dtype=object), np.array([10, 5, 99]))
    assert scores.tolist() == [2, 3, 0] and lengths.tolist() == [10, 5, 99]
    _, flat = SourcePriority(prefer_longer=False).rank_columns(np.array(["web"], dtype=object), np.array([10]))
    assert flat.tolist() == [0]


def test_a_source_listed_twice_is_an_error():
    with pytest.raises(ValueError, match="twice"):
        SourcePriority(["web", "wiki", "web"])
