"""The real-text PII evaluation set: sentences nobody generated, labelled by reading them.

Two parts, kept apart because they mean different things (docs/pii.md, "Real-text evaluation"):

- **real** (`pii_real_gold.jsonl`): 869 texts from ../shared/data, 5,343 stockmark
  Wikipedia sentences and 5,127 KWDLC web leads, chosen without running any recognizer
  (`select`): a seeded random sample (400 + 300) and every text a broad keyword pattern
  (`KEYWORDS`: 丁目/番地 near a municipality, 〒, 電話, TEL, @, 口座, long digit groups...)
  finds. Each was read and its PII spans written down by the guideline in docs/pii.md.
  The file holds only source ids, a hash of each text and the character offsets; the
  texts are read from ../shared/data at test time (they are CC BY-SA / research data).
- **written** (`pii_written_gold.jsonl`): 110 sentences written for this set, because real
  text holds almost no personal addresses, My Numbers or card numbers: realistic shapes
  of each type, and the look-alikes that must stay (facility addresses, serials).

Every example has a `split`: `dev` (rules may be tuned while looking at it) or `test`
(reported, never looked at while tuning), decided by a hash of its id.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path

from benchmarks.evalsets.pii_eval_set import Example

HERE = Path(__file__).resolve().parent
REAL_GOLD = HERE / "pii_real_gold.jsonl"
WRITTEN_GOLD = HERE / "pii_written_gold.jsonl"

STOCKMARK = Path("pii") / "stockmark_ner-wikipedia-ja.json"
KWDLC = Path("text") / "kwdlc_web_leads.jsonl"
SEED, RANDOM_STOCKMARK, RANDOM_KWDLC = 19, 400, 300
# where any of the types could be: broad on purpose (recall of the selection, not of a recognizer)
KEYWORDS = re.compile(
    r"[都道府県市区町村郡].{0,20}?[0-9０-９一二三四五六七八九十]+\s*(?:丁目|番|号|[-－ー−‐])"
    r"|〒|郵便番号|電話|TEL|Tel|ＴＥＬ|FAX|Fax|ＦＡＸ|携帯|[@＠★]|\(at\)|口座|預金|カード番号|マイナンバー|個人番号"
    r"|[0-9０-９]{2,5}[-－ー−‐)）(（][0-9０-９]{2,4}[-－ー−‐][0-9０-９]{3,4}|[0-9０-９]{9,}"
    r"|[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}"
)


def split_of(key: str) -> str:
    """`dev` or `test`, by the first byte of sha1(key): stable, about half each."""
    return "dev" if hashlib.sha1(key.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def source_texts(shared_data: Path) -> dict[tuple[str, str], str]:
    """(source, id) -> text for both real sources; stockmark ids are list positions."""
    texts: dict[tuple[str, str], str] = {}
    sentences = json.loads((shared_data / STOCKMARK).read_text(encoding="utf-8"))
    for i, sentence in enumerate(sentences):
        texts[("stockmark", str(i))] = sentence["text"]
    with open(shared_data / KWDLC, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            texts[("kwdlc", str(record["id"]))] = record["text"]
    return texts


def select(shared_data: Path) -> dict[tuple[str, str], str]:
    """The annotated selection, recomputed: (source, id) -> stratum (`random` or `keyword`)."""
    texts = source_texts(shared_data)
    rng = random.Random(SEED)
    chosen: dict[tuple[str, str], str] = {}
    for source, n in (("stockmark", RANDOM_STOCKMARK), ("kwdlc", RANDOM_KWDLC)):
        pool = [key for key in texts if key[0] == source]
        for key in rng.sample(pool, n):
            chosen[key] = "random"
    for key, text in texts.items():
        if key not in chosen and KEYWORDS.search(text):
            chosen[key] = "keyword"
    return chosen


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def real_examples(shared_data: Path) -> list[Example]:
    """The annotated real texts with their gold spans; fails loudly if a text changed."""
    texts = source_texts(shared_data)
    out = []
    with open(REAL_GOLD, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            key = (row["source"], row["id"])
            text = texts[key]
            if _digest(text) != row["sha1"]:
                raise ValueError(f"{key}: the text in ../shared/data is not the one annotated")
            gold = [(start, end, entity) for start, end, entity in row["spans"]]
            out.append(Example(text, gold, f"real:{row['source']}:{row['stratum']}", split_of(f"{key[0]}:{key[1]}")))
    return out


def written_examples() -> list[Example]:
    """The written sentences; gold spans are stored as substrings (each occurs once)."""
    out = []
    with open(WRITTEN_GOLD, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            text = row["text"]
            gold = []
            for value, entity in row["spans"]:
                start = text.index(value)
                gold.append((start, start + len(value), entity))
            out.append(Example(text, sorted(gold), "written", split_of(row["id"])))
    return out
