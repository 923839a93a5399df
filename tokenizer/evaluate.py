"""How well a tokenizer fits Japanese: characters per token, byte fallback, unknowns, round trip.

Measured per paragraph (each non-empty line of the text is encoded on its own, without
BOS/EOS), the convention of the figures in ../shared/data/README.md (Llama 2: 0.815
characters/token and 30% byte fallback on Japanese Wikipedia paragraphs), so any
tokenizer, ours or a released one, is measured the same way on the same text.

- `chars_per_token`: characters / tokens (higher is better compression);
- `byte_fallback_share`: tokens that are raw bytes / tokens (for byte-level BPE such as
  Llama 3: tokens that are not whole characters);
- `unknown_rate`: `<unk>` tokens / tokens (0 with byte fallback);
- `roundtrip_exact`: decode(encode(line)) == line for every line;
- `symbols_single_token`: how many of the placeholder symbols (`<|EMAIL|>`, `<|PHONE|>`...,
  the PII masker's and the secret scanner's; by default those the text holds) encode to one
  token of their own, alone and inside text; `symbols_split` lists the others. A masked
  corpus is full of them: split into `<|`, `AD`, `DRESS|>` they cost tokens and teach the
  model to spell them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from corpus.formats.shard_files import read_texts as shard_read_texts
from tokenizer.backends import LoadedTokenizer

_BATCH = 1000
# placeholders written by the masking steps (`<|{entity}|>`, filters/pii; `<|{type}|>`, filters/code/secrets)
PLACEHOLDER = re.compile(r"<\|[A-Z][A-Z0-9_]*\|>")


def placeholders_in(texts: Iterable[str]) -> list[str]:
    """The distinct placeholders the texts hold, sorted."""
    return sorted({m.group() for text in texts for m in PLACEHOLDER.finditer(text)})


def symbol_report(tokenizer: LoadedTokenizer, symbols: Iterable[str]) -> dict:
    """Which symbols are one token, alone and between Japanese characters (as a masker leaves them)."""
    symbols = list(dict.fromkeys(symbols))
    split = []
    for symbol, (alone, inside) in zip(symbols, _pairs(tokenizer, symbols)):
        if not (len(alone) == 1 and alone[0] in inside and tokenizer.decode(alone) == symbol):
            split.append(symbol)
    return {"symbols": len(symbols), "symbols_single_token": len(symbols) - len(split), "symbols_split": split}


def _pairs(tokenizer: LoadedTokenizer, symbols: list[str]) -> list[tuple[list[int], list[int]]]:
    if not symbols:
        return []
    ids = tokenizer.encode_batch([*symbols, *(f"連絡先{s}まで" for s in symbols)])
    return list(zip(ids[:len(symbols)], ids[len(symbols):]))


def paragraphs(texts: Iterable[str]) -> Iterator[str]:
    """Non-empty lines of the texts, trailing whitespace removed (a line is never only whitespace)."""
    for text in texts:
        for line in text.split("\n"):
            line = line.rstrip()
            if line.strip():
                yield line


def read_texts(path: str | Path, max_chars: int | None = None) -> list[str]:
    """Texts of a file (`corpus.formats.shard_files.read_texts`: .txt whole, .jsonl `text`, .parquet
    `text`); with `max_chars`, its paragraphs up to about that many characters."""
    texts = shard_read_texts([path])
    if max_chars is None:
        return texts
    out, total = [], 0
    for line in paragraphs(texts):
        if total >= max_chars:
            break
        out.append(line)
        total += len(line)
    return out


def evaluate(tokenizer: LoadedTokenizer, texts: Iterable[str], symbols: Iterable[str] | None = None) -> dict:
    """The evaluation table row for one tokenizer on `texts` (split into paragraphs here);
    `symbols` are checked to be single tokens (None: the placeholders found in the texts)."""
    lines = list(paragraphs(texts))
    symbols = placeholders_in(lines) if symbols is None else list(symbols)
    byte_ids = tokenizer.byte_ids
    unk_id = tokenizer.unk_id
    chars = tokens = byte_tokens = unk_tokens = failures = 0
    first_failure = None
    for start in range(0, len(lines), _BATCH):
        batch = lines[start:start + _BATCH]
        for line, ids in zip(batch, tokenizer.encode_batch(batch)):
            chars += len(line)
            tokens += len(ids)
            byte_tokens += sum(1 for i in ids if i in byte_ids)
            if unk_id is not None:
                unk_tokens += sum(1 for i in ids if i == unk_id)
            if tokenizer.decode(ids) != line:
                failures += 1
                first_failure = first_failure or line[:120]
    return {
        "tokenizer": str(tokenizer.path),
        "kind": tokenizer.kind,
        "vocab_size": tokenizer.vocab_size,
        "paragraphs": len(lines),
        "characters": chars,
        "tokens": tokens,
        "chars_per_token": round(chars / tokens, 4) if tokens else None,
        "byte_fallback_share": round(byte_tokens / tokens, 6) if tokens else None,
        "unknown_rate": round(unk_tokens / tokens, 6) if tokens else None,
        "roundtrip_exact": failures == 0,
        "roundtrip_failures": failures,
        "first_roundtrip_failure": first_failure,
        **symbol_report(tokenizer, symbols),
    }


def format_table(rows: list[dict]) -> str:
    """A plain-text table of evaluation rows, for the terminal."""
    header = (f"{'tokenizer':<48} {'vocab':>7} {'chars/tok':>9} {'bytes%':>7} {'unk%':>6} {'roundtrip':>9} "
              f"{'symbols':>8}")
    lines = [header, "-" * len(header)]
    for r in rows:
        name = r["tokenizer"] if len(r["tokenizer"]) <= 48 else "…" + r["tokenizer"][-47:]
        lines.append(
            f"{name:<48} {r['vocab_size']:>7} {r['chars_per_token'] or 0:>9.3f} "
            f"{100 * (r['byte_fallback_share'] or 0):>7.3f} {100 * (r['unknown_rate'] or 0):>6.3f} "
            f"{'exact' if r['roundtrip_exact'] else str(r['roundtrip_failures']) + ' bad':>9} "
            f"{_symbols_cell(r):>8}"
        )
    return "\n".join(lines)


def _symbols_cell(row: dict) -> str:
    """`9/9 one` when every placeholder is one token, `-` when none was checked."""
    n = row.get("symbols", 0)
    return f"{row.get('symbols_single_token', 0)}/{n} one" if n else "-"
