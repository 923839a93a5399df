"""Person names from the UniDic dictionary (fugashi + unidic-lite), optional and off by default.

UniDic tags surnames and given names (名詞-固有名詞-人名-姓/名/一般), which finds
Japanese names without an NER model; adjacent name tokens (`山田` `太郎`, `ルドルフ`
`・` `シュタイナー`) form one span. A name followed by an honorific (さん, 様, 氏...)
is near-certain; a lone surname or given name is weaker, since many are also
ordinary words or place names. This costs one MeCab pass per document (about 4.5 MB/s
here), which is why it is opt-in; docs/pii.md has its precision and recall on the
stockmark Wikipedia NER sentences. Replace with a GiNZA/spaCy NER recognizer when a
model is installed and its cost is acceptable.
"""

from __future__ import annotations

import re

from presidio_analyzer import LocalRecognizer, RecognizerResult

from filters.pii.options import PERSON

HONORIFICS = ("さん", "様", "さま", "氏", "君", "くん", "ちゃん", "先生", "殿", "議員", "選手", "監督", "教授")
SCORE_FULL = 0.85       # surname + given name, or a name + honorific
SCORE_HONORIFIC = 0.8
SCORE_SINGLE = 0.55     # one name token alone


class PersonNameRecognizer(LocalRecognizer):
    """Runs of UniDic person-name tokens."""

    def __init__(self, supported_language: str = "ja"):
        self._tagger = None
        super().__init__(supported_entities=[PERSON], name="PersonNameRecognizer",
                         supported_language=supported_language)

    def load(self) -> None:
        import fugashi

        self._tagger = fugashi.Tagger()

    def _tokens(self, text: str):
        """(start, end, surface, is_name, name_kind) with offsets into `text`."""
        pos = 0
        for word in self._tagger(text):
            surface = word.surface
            start = text.find(surface, pos)
            if start < 0:
                continue
            pos = start + len(surface)
            feature = word.feature
            is_name = feature.pos2 == "固有名詞" and feature.pos3 == "人名"
            yield start, pos, surface, is_name, feature.pos4 if is_name else None

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        tokens = list(self._tokens(text))
        results: list[RecognizerResult] = []
        i = 0
        while i < len(tokens):
            if not tokens[i][3]:
                i += 1
                continue
            j = i + 1
            while j < len(tokens):
                if tokens[j][3]:
                    j += 1
                elif (tokens[j][2] in _JOINERS and j + 1 < len(tokens)
                      and (tokens[j + 1][3] or _KATAKANA.fullmatch(tokens[j + 1][2]))):
                    j += 2  # foreign full names: ジョン・ブック, where UniDic knows only ジョン
                else:
                    break
            start, end = tokens[i][0], tokens[j - 1][1]
            honorific = j < len(tokens) and tokens[j][2] in HONORIFICS
            score = _score(text[start:end], len(tokens[i:j]), honorific)
            if score:
                results.append(RecognizerResult(
                    PERSON, start, end, score,
                    recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                          RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id},
                ))
            i = j
        return results


_JOINERS = ("・", "=", "＝", " ", "゠")
_KATAKANA = re.compile(r"[\u30a1-\u30faー]+")


def _score(name: str, n_tokens: int, honorific: bool) -> float:
    """How sure a run of name tokens is a person: full names and honorifics are; a lone
    one-character token (董, 源) or a short katakana word (ハブ, ミア) mostly is not."""
    if honorific:
        return SCORE_FULL if n_tokens > 1 else SCORE_HONORIFIC
    if n_tokens > 1:
        return SCORE_FULL
    if len(name) == 1 or (_KATAKANA.fullmatch(name) and len(name) <= 2):
        return 0.0
    return SCORE_SINGLE


def recognizers(language: str = "ja") -> dict[str, list]:
    return {PERSON: [PersonNameRecognizer(language)]}
