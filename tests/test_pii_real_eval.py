"""The real-text evaluation (benchmarks/evalsets/pii_real_set.py): sentences nobody generated, labelled by reading.

The figures docs/pii.md reports come from `score` on these examples; this test keeps them
from sliding back. Real text holds little PII, so besides per-type precision/recall it
counts what a reader of the corpus would notice: any masked span on a text with no gold.
"""

from __future__ import annotations

import pytest

from filters.pii.detector import PIIDetector
from filters.pii.options import DEFAULT_ENTITIES, PIIOptions
from benchmarks.evalsets.pii_eval_set import score
from benchmarks.evalsets.pii_real_set import real_examples, select, written_examples


@pytest.fixture(scope="module")
def real(shared_data):
    return real_examples(shared_data)


@pytest.fixture(scope="module")
def written():
    return written_examples()


@pytest.fixture(scope="module")
def detector():
    return PIIDetector()


def test_annotated_selection_is_the_documented_one(shared_data, real):
    chosen = select(shared_data)
    assert {(e.kind.split(":")[1], e.kind.split(":")[2]) for e in real} == {("stockmark", "random"), ("stockmark", "keyword"),
                                                                              ("kwdlc", "random"), ("kwdlc", "keyword")}
    assert len(real) == len(chosen) == 869


def test_both_sets_are_split_into_tuning_and_evaluation_halves(real, written):
    for examples in (real, written):
        splits = [e.split for e in examples]
        assert set(splits) == {"dev", "test"} and 0.35 < splits.count("test") / len(splits) < 0.65


def test_no_public_place_or_number_on_real_text_is_masked(real, detector):
    false = [(e.text[s.start:s.end], s.entity) for e in real for s in detector.find(e.text)
             if not any(g[0] < s.end and s.start < g[1] for g in e.gold)]
    assert false == []


def test_real_pii_is_found(real, detector):
    stats = score(real, detector.find, DEFAULT_ENTITIES)
    assert sum(s["tp"] for s in stats.values()) == sum(len(e.gold) for e in real) == 3


@pytest.mark.parametrize("split", ["dev", "test"])
def test_written_set_precision_and_recall_per_type(written, detector, split):
    stats = score([e for e in written if e.split == split], detector.find, DEFAULT_ENTITIES)
    for entity, s in stats.items():
        assert s["precision"] >= 0.95, (entity, s)
        assert s["recall"] >= (0.9 if entity == "ADDRESS" else 0.95), (entity, s)


def test_precheck_finds_the_same_spans_on_real_and_written_text(real, written, detector):
    whole = PIIDetector(PIIOptions(precheck=False))
    texts = [e.text for e in written] + [e.text for e in real if e.kind.endswith(":keyword")]
    assert [detector.find(t) for t in texts] == [whole.find(t) for t in texts]
