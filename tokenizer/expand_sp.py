"""Add Japanese pieces to a Llama-2-style SentencePiece BPE model (Swallow's vocabulary expansion).

Swallow (Fujii et al. 2024, arXiv:2404.17790, sec. 3.2) trained a Japanese BPE tokenizer and
merged its pieces into Llama 2's 32k vocabulary (to 43,176), so that Japanese text takes
about half as many tokens while every original id keeps its meaning. Here:

- the new pieces come from a Japanese SentencePiece BPE model, in its merge order, minus
  pieces the base already has (and, by default, minus pieces with any non-Japanese
  character, so English and code encode exactly as before);
- base pieces keep their ids, types and scores; new pieces are appended after them with
  scores below every base merge, in the Japanese model's order (SentencePiece's BPE applies
  the highest-scoring merge first), so base merges run first and Japanese merges after;
- the vocabulary is padded to a multiple of 64 (or 128) with UNUSED pieces, which
  SentencePiece never emits, so the embedding matrix has a GPU-friendly shape;
- every new piece is checked to be reachable: encoding its own text gives that one piece.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tokenizer.hf_export import load_model_proto

# kana, CJK ideographs (+ext. A, compatibility), CJK punctuation, full-width forms
JAPANESE_CHAR = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uffef]")
_JAPANESE_TEXT = re.compile(JAPANESE_CHAR.pattern + "+")


def is_japanese(text: str) -> bool:
    """Only Japanese characters, after an optional leading space ("▁日本" counts, "……」" does not):
    a token with any other character could change how non-Japanese text is split."""
    core = text.lstrip("▁ ")
    return bool(core) and _JAPANESE_TEXT.fullmatch(core) is not None


@dataclass
class SpExpansion:
    proto: object
    """the merged ModelProto"""
    base_vocab_size: int
    new_pieces: list[str]
    padding: int
    unreachable: list[str] = field(default_factory=list)


def candidate_pieces(add_proto, base_vocab: set[str], japanese_only: bool = False) -> list[str]:
    """New NORMAL pieces of the addition in its priority order (highest score first), deduplicated."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    normal = pb.ModelProto.SentencePiece.NORMAL
    pieces = sorted(
        ((p.score, -i, p.piece) for i, p in enumerate(add_proto.pieces) if p.type == normal), reverse=True
    )
    out, seen = [], set(base_vocab)
    for _, _, piece in pieces:
        if piece in seen or (japanese_only and not is_japanese(piece)):
            continue
        seen.add(piece)
        out.append(piece)
    return out


def _closed_prefix(pieces: list[str], pool: set[str], base_vocab: set[str], limit: int | None) -> list[str]:
    """The first `limit` pieces, plus whatever shorter pieces (from `pool`) they need to stay buildable.

    A multi-character piece can only come out of BPE if some split of it into two pieces is
    in the vocabulary; the addition's single characters come last in SentencePiece's order,
    and a piece such as "……」" needs "……", which the Japanese-only filter left out.
    """
    limit = len(pieces) if limit is None else limit
    chosen: list[str] = []
    have = set(base_vocab)

    def need(piece: str) -> None:
        if piece in have:
            return
        if len(piece) > 1:
            # prefer a split whose halves are already available; else the first split in the pool
            splits = [(piece[:k], piece[k:]) for k in range(1, len(piece))]
            split = next(((a, b) for a, b in splits if a in have and b in have), None)
            split = split or next(((a, b) for a, b in splits if (a in have or a in pool) and (b in have or b in pool)), None)
            if split:
                need(split[0])
                need(split[1])
        have.add(piece)
        chosen.append(piece)

    for piece in pieces:
        if len(chosen) >= limit:
            break
        need(piece)
    return chosen


def merge_sentencepiece(base_path: str | Path, add_path: str | Path, *, max_new_pieces: int | None = None,
                        pad_to_multiple: int = 64, japanese_only: bool = True, characters_first: bool = False) -> SpExpansion:
    """The base model with the addition's new pieces appended (ids of base pieces unchanged)."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    base = load_model_proto(base_path)
    add = load_model_proto(add_path)
    T = pb.ModelProto.SentencePiece
    if base.trainer_spec.model_type != base.trainer_spec.BPE:
        raise ValueError(f"{base_path}: expansion by merging pieces needs a BPE base (Llama 2); this one is not BPE")
    base_vocab = {p.piece for p in base.pieces}
    everything = candidate_pieces(add, base_vocab)
    wanted = candidate_pieces(add, base_vocab, japanese_only)
    if characters_first:
        wanted = [p for p in wanted if len(p) == 1] + [p for p in wanted if len(p) > 1]
    new = _closed_prefix(wanted, set(everything), base_vocab, max_new_pieces)
    floor = min((p.score for p in base.pieces if p.type == T.NORMAL and p.score > -1e8), default=0.0)
    merged = pb.ModelProto()
    merged.CopyFrom(base)
    for rank, piece in enumerate(new):
        entry = merged.pieces.add()
        entry.piece, entry.score, entry.type = piece, floor - 1.0 - rank, T.NORMAL
    padding = (-len(merged.pieces)) % pad_to_multiple if pad_to_multiple > 1 else 0
    for i in range(padding):
        entry = merged.pieces.add()
        entry.piece, entry.score, entry.type = f"<unused_{i}>", 0.0, T.UNUSED
    merged.trainer_spec.vocab_size = len(merged.pieces)
    return SpExpansion(proto=merged, base_vocab_size=len(base.pieces), new_pieces=new, padding=padding)


def save_model(proto, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(proto.SerializeToString())
    return path


def without_dummy_prefix(path: str | Path):
    """A SentencePieceProcessor of the model that does not prepend '▁' (to spell out single pieces)."""
    import sentencepiece as spm

    proto = load_model_proto(path)
    proto.normalizer_spec.add_dummy_prefix = False
    sp = spm.SentencePieceProcessor()
    sp.LoadFromSerializedProto(proto.SerializeToString())
    return sp


def unreachable_pieces(model_path: str | Path, pieces: list[str]) -> list[str]:
    """Pieces that encoding their own text does not produce as one token."""
    sp = without_dummy_prefix(model_path)
    texts = [p.replace("▁", " ") for p in pieces]
    return [p for p, ids in zip(pieces, sp.encode(texts)) if len(ids) != 1 or sp.id_to_piece(ids[0]) != p]


def base_pieces(base_path: str | Path, pieces: list[str]) -> list[list[int]]:
    """Each piece's ids under the base model (its text encoded without a dummy prefix)."""
    sp = without_dummy_prefix(base_path)
    return sp.encode([p.replace("▁", " ") for p in pieces])
