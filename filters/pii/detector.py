"""Text in, PII spans out: folding, the cheap pre-check, presidio on windows, overlap merging.

Most web text holds no PII, and presidio costs a fixed ~0.1 ms per call plus one scan
per pattern. One stdlib-`re` pass with the union of every recognizer's trigger (an `@`,
a digit run with separators, 丁目 after a city...) finds the few places worth analysing;
presidio then runs on a window of +-64 characters around each (snapped outwards so no
e-mail or number is cut), which keeps every recognizer's pattern and context words in
view, and the words around an address that say whose it is. `precheck: false` analyses the whole text instead: the tests check both give the
same spans on mixed texts, and benchmarks/pii.py shows the same scores for both.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from filters.pii.engine import LANGUAGE, TRIGGERS, build_analyzer
from filters.pii.folding import fold
from filters.pii.options import PIIOptions

WINDOW_BEFORE = 64  # longest run before a trigger: an e-mail local part (RFC 5321: 64)
# after a trigger: an address's lot numbers and building (~60 characters past the first digit)
# plus the 32 characters its owner is judged by (address_evidence.EVIDENCE_CHARS)
WINDOW_AFTER = 96
# characters an e-mail, URL or number can be made of: a window never ends inside a run of them
_WORDISH = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-@:/")


class PIISpan(NamedTuple):
    start: int
    end: int
    entity: str
    score: float


def merge_overlaps(spans: list[PIISpan]) -> list[PIISpan]:
    """Overlapping spans become one span over their union, typed by the longest (then the
    highest-scoring) member: `user:pw@db.example.com` inside a URL is one URL_CREDENTIALS,
    not an EMAIL plus leftovers. Partial overlaps never leave a tail unmasked."""
    merged: list[PIISpan] = []
    group: list[PIISpan] = []
    end = -1
    for span in sorted(spans):
        if group and span.start < end:
            group.append(span)
            end = max(end, span.end)
            continue
        if group:
            merged.append(_union(group, end))
        group, end = [span], span.end
    if group:
        merged.append(_union(group, end))
    return merged


def _union(group: list[PIISpan], end: int) -> PIISpan:
    best = max(group, key=lambda s: (s.end - s.start, s.score))
    return PIISpan(group[0].start, end, best.entity, best.score)


class PIIDetector:
    """Finds PII spans in a text with a presidio AnalyzerEngine built from `options`."""

    def __init__(self, options: PIIOptions | None = None, nlp_engine: str | None = None):
        self.options = options or PIIOptions()
        self.entities = list(self.options.entities)
        self.analyzer = build_analyzer(self.options, nlp_engine)
        # entities with a trigger are analysed in windows; the others (PERSON) need the whole text
        self.windowed = [e for e in self.entities if e in TRIGGERS] if self.options.precheck else []
        self.whole = [e for e in self.entities if e not in self.windowed]
        triggers = [TRIGGERS[e] for e in self.windowed]
        self.trigger = re.compile("|".join(f"(?:{t})" for t in triggers), re.IGNORECASE) if triggers else None
        self.allow = frozenset(self.options.allow_list)

    def windows(self, folded: str) -> list[tuple[int, int]]:
        """Merged [start, end) windows around trigger matches; empty when there is none."""
        out: list[list[int]] = []
        n = len(folded)
        for match in self.trigger.finditer(folded):
            start, end = max(0, match.start() - WINDOW_BEFORE), min(n, match.end() + WINDOW_AFTER)
            while start > 0 and folded[start - 1] in _WORDISH:
                start -= 1
            while end < n and folded[end] in _WORDISH:
                end += 1
            if out and start <= out[-1][1]:
                out[-1][1] = max(out[-1][1], end)
            else:
                out.append([start, end])
        return [(a, b) for a, b in out]

    def find(self, text: str) -> list[PIISpan]:
        """Non-overlapping PII spans of `text`, sorted by start."""
        if not text:
            return []
        folded = fold(text)
        spans: list[PIISpan] = []
        if self.whole:
            self._analyze(text, folded, 0, len(text), self.whole, spans)
        if self.trigger is not None:
            for a, b in self.windows(folded):
                self._analyze(text, folded, a, b, self.windowed, spans)
        return merge_overlaps(spans)

    def _analyze(self, text: str, folded: str, a: int, b: int, entities: list[str], out: list[PIISpan]) -> None:
        for r in self.analyzer.analyze(folded[a:b], language=LANGUAGE, entities=entities):
            if text[a + r.start:a + r.end] not in self.allow:
                out.append(PIISpan(a + r.start, a + r.end, r.entity_type, r.score))
