"""Add Japanese tokens to a Llama-3-style byte-level BPE `tokenizer.json`, reachable through merges.

In a byte-level BPE a token exists for the encoder only if a chain of merges builds it from
bytes; appending strings to the vocabulary (or as added tokens) leaves them unused, or
matched before pre-tokenization, which changes how everything around them splits. Here:

- a Japanese byte-level BPE is trained with the base's own normalizer and pre-tokenizer
  (so its merges see the same pre-tokens), and its merges are replayed in order onto the
  base: for each new token, the merged tokenizer's current segmentation of its bytes is
  computed; usually that is exactly two pieces and one merge makes the token; otherwise a
  left-to-right chain of merges (with its intermediate tokens) does;
- base tokens, merges and added tokens keep their ids and ranks; new merges rank after all
  base merges, so the base segments every text as before wherever no new token applies;
- new ids start after the highest base id (Llama 3: after the 256 special tokens), and the
  vocabulary is padded to a multiple of 64 (or 128) with tokens no merge produces.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tokenizer.backends import byte_level_decoder_map
from tokenizer.expand_sp import is_japanese

_INF = float("inf")


def merge_pairs(merges: list) -> list[tuple[str, str]]:
    """tokenizers writes merges as "a b" strings (old) or [a, b] lists (new)."""
    return [tuple(m.split(" ", 1)) if isinstance(m, str) else (m[0], m[1]) for m in merges]


def bpe_segment(token: str, ranks: dict[tuple[str, str], int]) -> list[str]:
    """BPE on one word (its byte-level characters) with the given merge ranks: lowest rank first, leftmost on ties."""
    symbols = list(token)
    while len(symbols) > 1:
        best, at = _INF, -1
        for i in range(len(symbols) - 1):
            rank = ranks.get((symbols[i], symbols[i + 1]), _INF)
            if rank < best:
                best, at = rank, i
        if at < 0:
            break
        symbols[at:at + 2] = [symbols[at] + symbols[at + 1]]
    return symbols


def token_text(token: str, table: dict[str, int] | None = None) -> str | None:
    """The text a byte-level token stands for, or None when its bytes are not whole characters."""
    table = table or byte_level_decoder_map()
    try:
        return bytes(table[c] for c in token).decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return None


# UTF-8 lead bytes of the Japanese blocks: U+3000-U+9FFF (E3-E9), U+F900-U+FFEF (EF)
_JAPANESE_LEAD = set(range(0xE3, 0xEA)) | {0xEF}


def is_wanted(token: str, table: dict[str, int], japanese_only: bool) -> bool:
    """Japanese text, or the start of a Japanese character's bytes (a step towards one).

    Fragments made only of continuation bytes are left out: they are shared with every
    other three-byte character ("…", "€"), so a merge of them could change how English
    text splits; the tokens that need such a step get it through the chain in
    `merge_bytelevel`, which always grows from the token's first byte.
    """
    if not japanese_only:
        return True
    text = token_text(token, table)
    if text is not None:
        return is_japanese(text)
    data = bytes(table.get(c, 0) for c in token)
    return data[0] in _JAPANESE_LEAD and all(b >= 0x80 for b in data)


@dataclass
class ByteLevelExpansion:
    spec: dict
    """the merged tokenizer.json, as a dict"""
    base_vocab_size: int
    new_tokens: list[str]
    new_merges: int
    padding: int
    intermediate: int = 0
    unreachable: list[str] = field(default_factory=list)


def train_addition(base_json: str | Path, texts: Iterable[str], vocab_size: int, min_frequency: int = 2) -> list[tuple[str, str]]:
    """Merges of a byte-level BPE trained on `texts` with the base's normalizer and pre-tokenizer."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    base = Tokenizer.from_file(str(base_json))
    fresh = Tokenizer(models.BPE())
    if base.normalizer is not None:
        fresh.normalizer = base.normalizer
    fresh.pre_tokenizer = base.pre_tokenizer
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=min_frequency, show_progress=False, special_tokens=[],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    fresh.train_from_iterator(texts, trainer)
    return merge_pairs(json.loads(fresh.to_str())["model"]["merges"])


def merge_bytelevel(base_json: str | Path, addition: list[tuple[str, str]], *, max_new_tokens: int | None = None,
                    pad_to_multiple: int = 64, japanese_only: bool = True) -> ByteLevelExpansion:
    """The base tokenizer.json with the addition's tokens made reachable by appended merges."""
    spec = json.loads(Path(base_json).read_text(encoding="utf-8"))
    model = spec["model"]
    if model.get("type") != "BPE" or "ByteLevel" not in json.dumps(spec.get("pre_tokenizer")):
        raise ValueError(f"{base_json}: not a byte-level BPE tokenizer.json (Llama 3 / GPT-2 style)")
    vocab: dict[str, int] = dict(model["vocab"])
    pairs = merge_pairs(model["merges"])
    ranks = {pair: i for i, pair in enumerate(pairs)}
    added_ids = [t["id"] for t in spec.get("added_tokens", [])]
    base_size = max(list(vocab.values()) + added_ids) + 1
    next_id = base_size
    table = byte_level_decoder_map()
    limit = max_new_tokens if max_new_tokens is not None else len(addition)
    new_tokens: list[str] = []
    new_pairs: list[tuple[str, str]] = []
    intermediate = 0

    def add_merge(left: str, right: str) -> None:
        nonlocal next_id
        merged = left + right
        if (left, right) not in ranks:
            ranks[(left, right)] = len(pairs) + len(new_pairs)
            new_pairs.append((left, right))
        if merged not in vocab:
            vocab[merged] = next_id
            next_id += 1
            new_tokens.append(merged)

    for left, right in addition:
        if len(new_tokens) >= limit:
            break
        target = left + right
        if target in vocab or not is_wanted(target, table, japanese_only):
            continue
        # BPE's own fixed point of the target's bytes under the merges so far; join its first
        # two pieces with a new lowest-priority merge and recompute, until one piece is left
        # (usually one step: the two pieces the addition merged)
        pieces = bpe_segment(target, ranks)
        while len(pieces) > 1:
            before = len(new_tokens)
            add_merge(pieces[0], pieces[1])
            if pieces[0] + pieces[1] != target and len(new_tokens) > before:
                intermediate += 1
            pieces = bpe_segment(target, ranks)
    padding = (-next_id) % pad_to_multiple if pad_to_multiple > 1 else 0
    for i in range(padding):
        vocab[f"<|jacorpus_unused_{i}|>"] = next_id
        next_id += 1
    as_strings = isinstance(model["merges"][0], str) if model["merges"] else False
    model["vocab"] = vocab
    model["merges"] = [f"{a} {b}" if as_strings else [a, b] for a, b in pairs + new_pairs]
    unreachable = [t for t in new_tokens if bpe_segment(t, ranks) != [t]]
    return ByteLevelExpansion(spec=spec, base_vocab_size=base_size, new_tokens=new_tokens, new_merges=len(new_pairs),
                              padding=padding, intermediate=intermediate, unreachable=unreachable)


def base_pieces(base_json: str | Path, tokens: list[str]) -> list[list[int]]:
    """Each new token's ids under the base: BPE on its bytes with the base merges alone."""
    spec = json.loads(Path(base_json).read_text(encoding="utf-8"))
    vocab = spec["model"]["vocab"]
    ranks = {pair: i for i, pair in enumerate(merge_pairs(spec["model"]["merges"]))}
    return [[vocab[p] for p in bpe_segment(t, ranks)] for t in tokens]
