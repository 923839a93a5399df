"""Optional person names from UniDic: off by default, full names and honorifics when on."""

from __future__ import annotations

import pytest

from filters.pii.detector import PIIDetector
from filters.pii.options import PIIOptions


@pytest.fixture(scope="module")
def found():
    detector = PIIDetector(PIIOptions(person_names=True))
    return lambda text: [(s.entity, text[s.start:s.end]) for s in detector.find(text)]


def test_names_are_not_masked_by_default():
    assert PIIDetector().find("山田太郎さんに会った") == []


@pytest.mark.parametrize("text, name", [
    ("山田太郎さんに会った", "山田太郎"), ("担当の佐藤様までご連絡ください", "佐藤"),
    ("夏目漱石の小説", "夏目漱石"), ("刑事ジョン・ブックは", "ジョン・ブック"),
])
def test_full_names_and_names_with_honorifics_are_found(found, text, name):
    assert found(text) == [("PERSON", name)]


def test_person_names_run_beside_the_windowed_recognizers(found):
    assert found("山田太郎さん（090-1234-5678）") == [("PERSON", "山田太郎"), ("PHONE", "090-1234-5678")]
