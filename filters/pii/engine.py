"""presidio's AnalyzerEngine for `ja`, with a light NLP engine and our Japanese recognizers.

presidio needs an NLP engine for one thing our recognizers use: the words before a
match, so that context words (マイナンバー, 電話, 郵便...) can raise a weak pattern's score.
spaCy's Japanese pipeline (SudachiPy) gives those words at about 0.3 MB/s here, and
presidio's NoOpNlpEngine gives none. `ScriptRunNlpEngine` cuts text into runs of one
script: compound nouns (kanji and katakana, through short okurigana), hiragana, Latin,
digits, each symbol alone: `お問い合わせは03-...` -> `お` `問い合` `わせは` `03`...,
`通知カードに` -> `通知カード` `に`. That is the granularity presidio's substring context
matching needs (context words are written as such stems), computed only when a
recognizer with context words actually matched.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine, NoOpNlpEngine

from filters.pii import (
    bank_account,
    credit_card,
    email_url,
    ip_address,
    my_number,
    phone,
    postal_address,
)
from filters.pii.options import PERSON, PIIOptions

LANGUAGE = "ja"

_NOUN_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶ\u30a1-\u30faー"  # kanji and katakana
_RUNS = re.compile(
    # a compound noun: kanji/katakana runs, joined through short okurigana (問い合, 申し込)
    rf"[{_NOUN_CHARS}]+(?:[\u3041-\u3096]{{1,2}}[{_NOUN_CHARS}]+)*"
    r"|[\u3041-\u3096]+|[A-Za-z]+|[0-9]+|\S"
)
# hiragana runs this short are particles and endings (は, が, から, です): they must not use
# up the five-word context window before a match
_STOP_HIRAGANA = re.compile(r"[\u3041-\u3096]{1,3}")


class ScriptRunArtifacts(NlpArtifacts):
    """NlpArtifacts whose tokens are computed on first use.

    presidio's AnalyzerEngine asks the NLP engine for artifacts before any recognizer
    runs; most windows produce no match that needs context, so the tokens are only
    made when the context enhancer reads them.
    """

    def __init__(self, text: str, engine: ScriptRunNlpEngine, language: str):
        # NlpArtifacts.__init__ would tokenise eagerly; set what it sets, minus the tokens
        self._text, self._language = text, language
        self._tokens = None
        self.nlp_engine = engine
        self.entities = []
        self.scores = []

    def _tokenise(self) -> None:
        from spacy.tokens import Doc

        matches = list(_RUNS.finditer(self._text))
        words = [m.group() for m in matches]
        spaces = [m.end() < len(self._text) and self._text[m.end()].isspace() for m in matches]
        self._tokens = Doc(self.nlp_engine.vocab, words=words, spaces=spaces)
        self._indices = [m.start() for m in matches]
        self._lemmas = words
        self._keywords = NlpArtifacts.set_keywords(self.nlp_engine, words, self._language)

    @property
    def tokens(self):
        if self._tokens is None:
            self._tokenise()
        return self._tokens

    @property
    def tokens_indices(self) -> list[int]:
        self.tokens  # noqa: B018 - computes on first use
        return self._indices

    @property
    def lemmas(self) -> list[str]:
        self.tokens  # noqa: B018
        return self._lemmas

    @property
    def keywords(self) -> list[str]:
        self.tokens  # noqa: B018
        return self._keywords


class ScriptRunNlpEngine(NlpEngine):
    """Tokens = script runs; lemmas = tokens; no NER (our recognizers need none)."""

    engine_name = "script_run"
    is_available = True

    def __init__(self, languages: Iterable[str] = (LANGUAGE,)):
        self.languages = list(languages)
        self.vocab = None

    def load(self) -> None:
        from spacy.vocab import Vocab

        self.vocab = Vocab()

    def is_loaded(self) -> bool:
        return self.vocab is not None

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        return ScriptRunArtifacts(text, self, language)

    def process_batch(self, texts: Iterable[str], language: str, batch_size: int = 1, n_process: int = 1,
                      **kwargs) -> Iterator[tuple[str, NlpArtifacts]]:
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        return bool(_STOP_HIRAGANA.fullmatch(word))

    def is_punct(self, word: str, language: str) -> bool:
        return all(unicodedata.category(ch).startswith("P") for ch in word)

    def get_supported_entities(self) -> list[str]:
        return []

    def get_supported_languages(self) -> list[str]:
        return list(self.languages)


def make_nlp_engine(kind: str) -> NlpEngine:
    """`light` (script runs), `noop` (presidio's NoOpNlpEngine), `spacy_blank` (spacy.blank('ja'),
    SudachiPy tokens: the baseline the benchmark compares with)."""
    if kind == "light":
        engine: NlpEngine = ScriptRunNlpEngine()
    elif kind == "noop":
        engine = NoOpNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": "noop"}])
    elif kind == "spacy_blank":
        from presidio_analyzer.nlp_engine import SpacyNlpEngine

        class SpacyBlankNlpEngine(SpacyNlpEngine):
            def load(self) -> None:
                import spacy

                self.nlp = {LANGUAGE: spacy.blank(LANGUAGE)}  # needs sudachipy + sudachidict_core

        engine = SpacyBlankNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": "blank"}])
    else:
        raise ValueError(f"unknown nlp_engine {kind!r} (light, noop, spacy_blank)")
    engine.load()
    return engine


FAMILIES = (email_url, phone, my_number, credit_card, bank_account, postal_address, ip_address)

# entity -> cheap trigger regex (run on folded text); PERSON has none: it needs the whole text
TRIGGERS: dict[str, str] = {
    "EMAIL": email_url.TRIGGER, "URL_CREDENTIALS": r"://[^\s/]*@",
    "PHONE": phone.TRIGGER, "MY_NUMBER": my_number.TRIGGER, "CREDIT_CARD": credit_card.TRIGGER,
    "BANK_ACCOUNT": bank_account.TRIGGER, "POSTAL_CODE": postal_address.POSTAL_TRIGGER,
    "ADDRESS": postal_address.ADDRESS_TRIGGER, "IP_ADDRESS": ip_address.TRIGGER,
}


def build_recognizers(entities: Iterable[str]) -> list:
    """The recognizers for `entities`, one family module at a time."""
    wanted = set(entities)
    found = []
    families = list(FAMILIES)
    if PERSON in wanted:
        from filters.pii import person_name

        families.append(person_name)
    for family in families:
        for entity, recognizers in family.recognizers(LANGUAGE).items():
            if entity in wanted:
                found.extend(recognizers)
    return found


def build_analyzer(options: PIIOptions, nlp_engine: str | None = None) -> AnalyzerEngine:
    """An AnalyzerEngine for `ja` hosting only our recognizers for the chosen entities."""
    registry = RecognizerRegistry(recognizers=build_recognizers(options.entities), supported_languages=[LANGUAGE])
    kind = nlp_engine or options.nlp_engine
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=make_nlp_engine(kind),
        supported_languages=[LANGUAGE],
        default_score_threshold=options.score_threshold,
        # presidio's defaults (5 words before, +0.35, floor 0.4) in substring mode: Japanese
        # context words sit inside longer runs (個人番号カード, 電話番号). With `noop` presidio
        # builds the same enhancer itself, which then sees no words.
        context_aware_enhancer=None if kind == "noop" else LemmaContextAwareEnhancer(),
    )
