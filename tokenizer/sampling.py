"""A memory-bounded, per-source sample of training sentences for SentencePiece.

SentencePiece loads every training sentence into RAM (and several working copies of it),
so feeding it a whole corpus ends in an out-of-memory kill at tens of millions of
sentences (google/sentencepiece#680: 70M sentences on 290 GB; google/sentencepiece#708).
Its own remedy, `input_sentence_size`, still reads every line first, and its author notes
that 1-10M sentences give reasonable models (google/sentencepiece#9). Here the corpus is
streamed once and only a bounded sample is ever held:

- every sentence gets a random key; each source keeps the sentences with the smallest keys
  that fit its character and sentence budget (a bottom-k "priority" sample, which is a
  uniform sample without replacement, whatever the input order or size);
- with `mix` given, each source's budget is its share of the total, and at the end the
  sources are trimmed so that the sample's character shares equal the mix exactly (a
  source smaller than its share shrinks the others, rather than skewing the mix);
- documents whose id hashes into the held-out slice are kept aside, whole, for evaluation
  and never reach the sample; a corpus so small that no id falls in the slice (the demo)
  still gets `min_held_out` documents out: those with the smallest hashes, taken back out
  of the sample at the end.
"""

from __future__ import annotations

import hashlib
import heapq
import random
import re
from dataclasses import dataclass, field

# SentencePiece skips sentences longer than max_sentence_length (default 4192 *bytes*);
# 1,300 characters of Japanese is ~3,900 UTF-8 bytes, so a piece never gets skipped.
MAX_SENTENCE_CHARS = 1300
# The sample's budgets: ~300 MB of UTF-8 at most, and 1-10M sentences suffice for SentencePiece
# (its author, google/sentencepiece#9); the held-out slice is small and capped, as it is held in memory.
MAX_CHARACTERS = 100_000_000
MAX_SENTENCES = 5_000_000
HELD_OUT_FRACTION = 0.1
HELD_OUT_MAX_CHARS = 2_000_000
MIN_HELD_OUT = 1
SEED = 1
_SENTENCE_END = re.compile(r"(?<=[。！？!?])")


def split_sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[str]:
    """Lines of a document, long lines cut after sentence ends, then hard-cut to `max_chars`.

    SentencePiece treats each input line as one sentence and no piece crosses a line end,
    so lines (paragraphs) are the natural unit; only over-long ones are cut further.
    """
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        if len(line) <= max_chars:
            out.append(line)
            continue
        chunk = ""
        for part in _SENTENCE_END.split(line):
            if len(chunk) + len(part) > max_chars and chunk:
                out.append(chunk)
                chunk = ""
            while len(part) > max_chars:
                out.append(part[:max_chars])
                part = part[max_chars:]
            chunk += part
        if chunk:
            out.append(chunk)
    return out


def id_hash(doc_id: str, seed: int = 0) -> float:
    """A document id's stable position in [0, 1)."""
    digest = hashlib.blake2b(f"{seed}:{doc_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def is_held_out(doc_id: str, fraction: float, seed: int = 0) -> bool:
    """Stable per-document decision: the same id is held out in every run and on every task."""
    return fraction > 0 and id_hash(doc_id, seed) < fraction


@dataclass
class _Pool:
    """One source's bottom-k sample: a max-heap on the random key (keys negated)."""

    max_chars: float
    max_sentences: float
    heap: list = field(default_factory=list)  # (-key, chars, doc_index, source, sentence)
    chars: int = 0

    def add(self, key: float, sentence: str, doc_index: int, source: str) -> None:
        if self.heap and len(self.heap) >= self.max_sentences and -self.heap[0][0] < key:
            return
        heapq.heappush(self.heap, (-key, len(sentence), doc_index, source, sentence))
        self.chars += len(sentence)
        self.trim(self.max_chars, self.max_sentences)

    def trim(self, max_chars: float, max_sentences: float) -> None:
        while self.heap and (self.chars > max_chars or len(self.heap) > max_sentences):
            _, n, _, _, _ = heapq.heappop(self.heap)
            self.chars -= n


@dataclass
class Sample:
    """What the sampler kept: sentences for training, held-out documents for evaluation."""

    sentences: list[str]
    documents_sampled: set[int]
    held_out: list[str]
    by_source: dict[str, dict]


class SentenceSampler:
    """Streams documents in, keeps a bounded uniform sample of their sentences.

    Memory is bounded by `max_characters` (plus `held_out_max_chars`), never by corpus size.
    """

    def __init__(
        self,
        *,
        max_characters: int = MAX_CHARACTERS,
        max_sentences: int = MAX_SENTENCES,
        mix: dict[str, float] | None = None,
        held_out_fraction: float = HELD_OUT_FRACTION,
        held_out_max_chars: int = HELD_OUT_MAX_CHARS,
        min_held_out: int = MIN_HELD_OUT,
        max_sentence_chars: int = MAX_SENTENCE_CHARS,
        seed: int = SEED,
    ):
        if mix is not None:
            total = sum(mix.values())
            if total <= 0 or any(v < 0 for v in mix.values()):
                raise ValueError(f"mix ratios must be >= 0 and not all 0, got {mix}")
            mix = {k: v / total for k, v in mix.items() if v > 0}
        self.mix = mix
        self.max_characters = max_characters
        self.max_sentences = max_sentences
        self.held_out_fraction = held_out_fraction
        self.held_out_max_chars = held_out_max_chars
        self.min_held_out = min_held_out if held_out_fraction > 0 else 0
        self._fallback: list[tuple[float, int, str]] = []  # max-heap (-hash, doc_index, text) of size min_held_out
        self.max_sentence_chars = max_sentence_chars
        self.seed = seed
        self._rng = random.Random(seed)
        self._pools: dict[str, _Pool] = {}
        self._held_out: list[str] = []
        self._held_out_chars = 0
        self.documents_held_out = 0
        self.documents_seen: dict[str, int] = {}
        self.characters_seen: dict[str, int] = {}
        self.documents_unmixed = 0

    def _pool(self, source: str) -> _Pool | None:
        key = source if self.mix is not None else "*"
        if key not in self._pools:
            share = 1.0 if self.mix is None else self.mix.get(source, 0.0)
            if share == 0.0:
                return None
            self._pools[key] = _Pool(self.max_characters * share, self.max_sentences * share)
        return self._pools[key]

    def add_document(self, doc_index: int, doc_id: str, source: str, text: str) -> str:
        """Offer one document; returns where it went: `held_out`, `offered` or `not_in_mix`."""
        self.documents_seen[source] = self.documents_seen.get(source, 0) + 1
        self.characters_seen[source] = self.characters_seen.get(source, 0) + len(text)
        position = id_hash(doc_id, self.seed)
        if self._held_out_chars < self.held_out_max_chars and position < self.held_out_fraction:
            self._held_out.append(text)
            self._held_out_chars += len(text)
            self.documents_held_out += 1
            return "held_out"
        pool = self._pool(source)
        if pool is None:
            self.documents_unmixed += 1
            return "not_in_mix"
        sentences = split_sentences(text, self.max_sentence_chars)
        for sentence in sentences:
            pool.add(self._rng.random(), sentence, doc_index, source)
        if sentences and self.documents_held_out < self.min_held_out and len(text) <= self.held_out_max_chars:
            heapq.heappush(self._fallback, (-position, doc_index, text))
            if len(self._fallback) > self.min_held_out:
                heapq.heappop(self._fallback)
        return "offered"

    def _hold_out_fallback(self) -> None:
        """Too few documents fell in the held-out slice: take the smallest-hash ones back out."""
        missing = self.min_held_out - self.documents_held_out
        chosen = sorted(self._fallback, reverse=True)[:missing]  # smallest hashes first
        if missing <= 0 or not chosen:
            return
        indices = {index for _, index, _ in chosen}
        remaining = {item[2] for pool in self._pools.values() for item in pool.heap} - indices
        if not remaining:
            return  # never hold out the whole sample
        for pool in self._pools.values():
            pool.heap = [item for item in pool.heap if item[2] not in indices]
            heapq.heapify(pool.heap)
            pool.chars = sum(item[1] for item in pool.heap)
        for _, _, text in chosen:
            self._held_out.append(text)
            self._held_out_chars += len(text)
            self.documents_held_out += 1

    def finish(self) -> Sample:
        """Trim the pools to the exact mix and return the sample (shuffled, reproducibly)."""
        self._hold_out_fallback()
        pools = self._pools
        if self.mix is not None and pools:
            # largest total T such that every present source can supply T * share characters
            present = {s: p for s, p in pools.items() if p.chars > 0}
            if present:
                total = min(p.chars / self.mix[s] for s, p in present.items())
                for s, p in present.items():
                    p.trim(total * self.mix[s], float("inf"))
        kept = sorted((item for pool in pools.values() for item in pool.heap), key=lambda item: -item[0])
        sentences = [item[4] for item in kept]  # ascending key: a random order, reproducible
        docs = {item[2] for item in kept}
        by_source: dict[str, dict] = {
            s: {"documents_seen": n, "characters_seen": self.characters_seen[s], "sentences_sampled": 0, "characters_sampled": 0}
            for s, n in sorted(self.documents_seen.items())
        }
        for item in kept:
            entry = by_source[item[3]]
            entry["sentences_sampled"] += 1
            entry["characters_sampled"] += item[1]
        total_chars = sum(v["characters_sampled"] for v in by_source.values()) or 1
        for v in by_source.values():
            v["share"] = round(v["characters_sampled"] / total_chars, 4)
        return Sample(sentences=sentences, documents_sampled=docs, held_out=list(self._held_out), by_source=by_source)
