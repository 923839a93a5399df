"""The presidio engine for `ja`: our recognizers only, the light NLP engine, context words."""

from __future__ import annotations

import pytest

from filters.pii.engine import ScriptRunNlpEngine, build_analyzer, build_recognizers
from filters.pii.options import DEFAULT_ENTITIES, PERSON, PIIOptions


def test_analyzer_hosts_one_recognizer_family_per_requested_entity():
    analyzer = build_analyzer(PIIOptions())
    assert sorted(analyzer.get_supported_entities("ja")) == sorted(DEFAULT_ENTITIES)
    only_email = build_analyzer(PIIOptions(entities=["EMAIL"]))
    assert only_email.get_supported_entities("ja") == ["EMAIL"]


def test_person_recognizer_is_built_only_when_asked_for():
    assert not any(PERSON in r.supported_entities for r in build_recognizers(DEFAULT_ENTITIES))
    assert any(PERSON in r.supported_entities for r in build_recognizers([PERSON]))


def test_light_engine_cuts_compound_nouns_and_scripts_with_offsets():
    engine = ScriptRunNlpEngine()
    engine.load()
    text = "お問い合わせは03-1234まで。通知カードに"
    artifacts = engine.process_text(text, "ja")
    words = [t.text for t in artifacts.tokens]
    assert words == ["お", "問い合", "わせは", "03", "-", "1234", "まで", "。", "通知カード", "に"]
    assert [text[i:i + len(w)] for i, w in zip(artifacts.tokens_indices, words)] == words
    # particles and punctuation are no context keywords
    assert artifacts.keywords == ["問い合", "03", "1234", "通知カード"]


def test_light_engine_tokenises_only_when_context_is_read():
    engine = ScriptRunNlpEngine()
    engine.load()
    artifacts = engine.process_text("長い文章" * 100, "ja")
    assert artifacts._tokens is None
    assert len(artifacts.tokens) == 1


def test_context_word_lifts_a_weak_match_over_the_threshold():
    analyzer = build_analyzer(PIIOptions())
    weak = analyzer.analyze("番号 123456789018", language="ja", entities=["MY_NUMBER"])
    lifted = analyzer.analyze("マイナンバー 123456789018", language="ja", entities=["MY_NUMBER"])
    assert weak == [] and [r.score for r in lifted] == [pytest.approx(0.65)]
