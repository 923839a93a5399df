"""Convert a SentencePiece `.model` into a Hugging Face `tokenizer.json` that encodes identically.

transformers' `convert_slow_tokenizer` does this too, but it pulls in transformers (which the
pipeline must not need) and registers `<s>`/`</s>` as special added tokens, so a document
that literally contains "</s>" would be encoded as an end-of-document marker by the fast
tokenizer but as plain characters by SentencePiece. Here:

- unigram -> `tokenizers.models.Unigram` with the same pieces and scores; BPE ->
  `tokenizers.models.BPE` with merges rebuilt from the piece scores (SentencePiece's BPE
  merges the adjacent pair whose joined piece has the highest score; HF's BPE applies the
  merge with the lowest rank, so ranks follow descending score);
- control pieces (`<s>`, `</s>`, padding) stay in the vocabulary, at their ids, but can never be
  produced from text (never-winning unigram scores; no merges lead to them), exactly as in
  SentencePiece;
- user-defined symbols (e.g. "\\n") become non-special added tokens, matched before the
  model runs, as SentencePiece matches them;
- the normalizer (precompiled charsmap, whitespace handling, "▁" and the dummy prefix) and
  the decoder (byte fallback, fusing, dummy-prefix strip) follow the model's normalizer spec.

`check_identical` encodes texts with both and returns the mismatches: the trainer stage runs
it on held-out text and records the result.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

# pieces that must never be produced from text get this unigram score
_NEVER = -1e9


def load_model_proto(path: str | Path):
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto()
    proto.ParseFromString(Path(path).read_bytes())
    return proto


def _piece_types():
    from sentencepiece import sentencepiece_model_pb2 as pb

    T = pb.ModelProto.SentencePiece
    return T.NORMAL, T.UNKNOWN, T.CONTROL, T.USER_DEFINED, T.BYTE, T.UNUSED


def bpe_merges(proto) -> list[tuple[str, str]]:
    """Every (left, right) whose concatenation is a mergeable piece, in SentencePiece's priority order."""
    NORMAL, _, _, USER_DEFINED, _, _ = _piece_types()
    mergeable = {p.piece: (p.score, i) for i, p in enumerate(proto.pieces) if p.type in (NORMAL, USER_DEFINED)}
    merges = []
    for piece, (score, index) in mergeable.items():
        for cut in range(1, len(piece)):
            left, right = piece[:cut], piece[cut:]
            if left in mergeable and right in mergeable:
                merges.append((-score, index, mergeable[left][1], mergeable[right][1], left, right))
    merges.sort()
    return [(m[4], m[5]) for m in merges]


def _unigram(proto):
    """Unigram with SentencePiece's lattice scores.

    Pieces that SentencePiece never matches in text (control, unknown, byte) get a score no
    path ever picks; user-defined pieces get SentencePiece's own "always selected" bonus,
    `length * max_score - 0.1` (unigram_model.cc, PopulateNodes), so they stay in the model
    and no added-token pass is needed.
    """
    from tokenizers import models

    NORMAL, _, _, USER_DEFINED, _, _ = _piece_types()
    spec = proto.trainer_spec
    max_score = max((p.score for p in proto.pieces if p.type == NORMAL), default=0.0)
    vocab = []
    for p in proto.pieces:
        if p.type == NORMAL:
            vocab.append((p.piece, p.score))
        elif p.type == USER_DEFINED:
            vocab.append((p.piece, len(p.piece) * max_score - 0.1))
        else:
            vocab.append((p.piece, _NEVER))
    return models.Unigram(vocab, unk_id=spec.unk_id, byte_fallback=spec.byte_fallback)


def _bpe(proto):
    from tokenizers import models

    spec = proto.trainer_spec
    vocab = {p.piece: i for i, p in enumerate(proto.pieces)}
    return models.BPE(
        vocab, bpe_merges(proto), unk_token=proto.pieces[spec.unk_id].piece, fuse_unk=True, byte_fallback=spec.byte_fallback,
    )


def to_hf_tokenizer(model_path: str | Path):
    """A `tokenizers.Tokenizer` that encodes like the SentencePiece model at `model_path`."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers

    proto = load_model_proto(model_path)
    _, _, _, USER_DEFINED, _, _ = _piece_types()
    spec, norm = proto.trainer_spec, proto.normalizer_spec
    if spec.model_type == spec.UNIGRAM:
        tokenizer = Tokenizer(_unigram(proto))
    elif spec.model_type == spec.BPE:
        tokenizer = Tokenizer(_bpe(proto))
    else:
        raise ValueError(f"only unigram and BPE SentencePiece models convert to tokenizer.json (model_type {spec.model_type})")
    # BPE cannot keep user-defined symbols whole by itself: they become added tokens, matched first
    added = [p.piece for p in proto.pieces if p.type == USER_DEFINED] if spec.model_type == spec.BPE else []

    steps = []
    if norm.precompiled_charsmap:
        steps.append(normalizers.Precompiled(norm.precompiled_charsmap))
    if norm.remove_extra_whitespaces:
        steps += [normalizers.Strip(left=True, right=True), normalizers.Replace(Regex(" {2,}"), " ")]
    if added:
        # with added tokens the text reaches the model in segments; Metaspace "first" puts the
        # dummy prefix on the first segment only. Known gap: a text that starts with a space
        # gets no extra "▁" here (SentencePiece adds one), for BPE models with user symbols only.
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
            replacement="▁", prepend_scheme="first" if norm.add_dummy_prefix else "never", split=False
        )
        tokenizer.add_tokens([AddedToken(p, normalized=False, special=False) for p in added])
    else:
        if norm.add_dummy_prefix:
            steps.append(normalizers.Prepend("▁"))
        steps.append(normalizers.Replace(" ", "▁"))
    if steps:
        tokenizer.normalizer = normalizers.Sequence(steps)
    decode_steps = [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()]
    if norm.add_dummy_prefix:
        decode_steps.append(decoders.Strip(content=" ", left=1, right=0))
    tokenizer.decoder = decoders.Sequence(decode_steps)
    return tokenizer


def export_tokenizer_json(model_path: str | Path, out_path: str | Path) -> Path:
    """Write `tokenizer.json` (and a `tokenizer_config.json` naming the special tokens) next to it."""
    proto = load_model_proto(model_path)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    to_hf_tokenizer(model_path).save(str(out_path))
    spec = proto.trainer_spec
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "clean_up_tokenization_spaces": False}
    for key, index in (("unk_token", spec.unk_id), ("bos_token", spec.bos_id), ("eos_token", spec.eos_id), ("pad_token", spec.pad_id)):
        if 0 <= index < len(proto.pieces):
            config[key] = proto.pieces[index].piece
    (out_path.parent / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False))
    return out_path


def check_identical(model_path: str | Path, tokenizer_json: str | Path, texts: Iterable[str]) -> dict:
    """Encode `texts` with SentencePiece and with the tokenizer.json; count the disagreements."""
    import sentencepiece as spm
    from tokenizers import Tokenizer

    sp = spm.SentencePieceProcessor(model_file=str(model_path))
    hf = Tokenizer.from_file(str(tokenizer_json))
    texts = list(texts)
    ours = sp.encode(texts)
    theirs = [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)]
    mismatched = [i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b]
    return {
        "texts": len(texts),
        "mismatched": len(mismatched),
        "identical": not mismatched,
        "first_mismatch": texts[mismatched[0]][:200] if mismatched else None,
    }
