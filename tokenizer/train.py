"""Train a SentencePiece model (unigram or BPE) for Japanese from an in-memory sample.

The settings that matter for Japanese, and why they default as they do:

- `byte_fallback=True`: a character outside the vocabulary becomes its UTF-8 bytes instead
  of `<unk>`, so nothing is lost (Llama 2 and LLM-jp do the same).
- `normalization="identity"`, `remove_extra_whitespaces=False`: NFKC folds full-width
  digits and letters, which breaks the exact round trip decode(encode(x)) == x that a
  pre-training tokenizer needs (Llama 2 and LLM-jp v3 use identity too).
- `split_digits=True`: numbers become single digits (Llama 2, LLM-jp).
- `add_dummy_prefix=False`: Japanese does not separate words by spaces; a dummy "▁" at
  each line start costs a token per paragraph and buys nothing.
- `split_by_unicode_script=False`: Japanese words mix scripts (漢字 + ひらがな: 思った,
  カタカナ + 漢字: データ型); SentencePiece's default forbids such pieces.
- `user_defined_symbols=("\\n",)`: training sentences are lines, so "\\n" would otherwise
  never be a piece and every newline in a document would cost a byte-fallback token
  (LLM-jp v3 adds "\\n" the same way).
- `character_coverage=0.9995`: SentencePiece's recommendation for Japanese and Chinese;
  the rest is covered by byte fallback.
- `required_charset="jis"`: every character of JIS X 0208 and JIS X 0201 (kana, the
  6,355 level-1 and level-2 kanji, full- and half-width forms, ASCII: the repertoire of
  Shift_JIS and EUC-JP) gets its own piece even if the sample never shows it. A kanji outside the vocabulary costs three
  byte tokens; on held-out text a training sample of a few MB misses enough rare kanji to
  push byte fallback past 0.5% (measured: benchmarks/tokenizer.py quality).

`hard_vocab_limit=False` lets a tiny corpus (the demo) end with a smaller vocabulary than
asked instead of failing.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from tokenizer.presegment import DELIMITER, MecabSegmenter

_JIS_SIZE = 7036  # len(jis_chars())


@dataclass(kw_only=True, slots=True)
class TrainConfig:
    vocab_size: int = 32000
    """target vocabulary size (the issue's 32k; Llama 2 uses 32,000)"""
    model_type: Literal["unigram", "bpe"] = "unigram"
    """unigram (SentencePiece default, LLM-jp) or bpe (Llama 2, Swallow's expansion)"""
    character_coverage: float = 0.9995
    """share of characters covered by single-character pieces (SentencePiece's value for ja/zh)"""
    byte_fallback: bool = True
    split_digits: bool = True
    normalization: Literal["identity", "nfkc", "nmt_nfkc", "nfkc_cf", "nmt_nfkc_cf"] = "identity"
    """SentencePiece normalization_rule_name; anything but identity breaks the exact round trip"""
    add_dummy_prefix: bool = False
    remove_extra_whitespaces: bool = False
    split_by_unicode_script: bool = False
    split_by_whitespace: bool = True
    max_sentencepiece_length: int = 16
    """longest piece in characters (SentencePiece default, also LLM-jp)"""
    user_defined_symbols: tuple[str, ...] = ("\n",)
    required_charset: Literal["none", "jis"] = "jis"
    """characters that always get a piece, whatever the sample holds"""
    pre_segment: bool = False
    """split sentences into MeCab words first (LLM-jp), so no piece crosses a word boundary"""
    hard_vocab_limit: bool = False
    num_threads: int = 2
    seed_sentencepiece_size: int = 1_000_000
    unk_id: int = 0
    bos_id: int = 1
    eos_id: int = 2
    pad_id: int = -1
    extra: dict = field(default_factory=dict)
    """any other SentencePiece trainer flag, passed through as is"""

    def __post_init__(self) -> None:
        if self.vocab_size < 16:
            raise ValueError(f"vocab_size must be >= 16, got {self.vocab_size}")
        if not 0.9 <= self.character_coverage <= 1.0:
            raise ValueError(f"character_coverage must be in [0.9, 1], got {self.character_coverage}")
        if self.required_charset == "jis" and self.vocab_size < _JIS_SIZE + 300:
            raise ValueError(
                f"vocab_size {self.vocab_size} cannot hold the {_JIS_SIZE} characters of required_charset='jis' "
                "plus bytes and special pieces; use vocab_size >= 8000 or required_charset='none'"
            )
        if self.model_type not in ("unigram", "bpe"):
            raise ValueError(f"model_type must be unigram or bpe, got {self.model_type}")

    def sentencepiece_kwargs(self) -> dict:
        kwargs = dict(
            vocab_size=self.vocab_size,
            model_type=self.model_type,
            character_coverage=self.character_coverage,
            byte_fallback=self.byte_fallback,
            split_digits=self.split_digits,
            normalization_rule_name=self.normalization,
            add_dummy_prefix=self.add_dummy_prefix,
            remove_extra_whitespaces=self.remove_extra_whitespaces,
            split_by_unicode_script=self.split_by_unicode_script,
            split_by_whitespace=self.split_by_whitespace,
            max_sentencepiece_length=self.max_sentencepiece_length,
            user_defined_symbols=list(self.user_defined_symbols),
            hard_vocab_limit=self.hard_vocab_limit,
            num_threads=self.num_threads,
            seed_sentencepiece_size=self.seed_sentencepiece_size,
            unk_id=self.unk_id,
            bos_id=self.bos_id,
            eos_id=self.eos_id,
            pad_id=self.pad_id,
            # our sample is already bounded and shuffled: let SentencePiece take all of it
            input_sentence_size=0,
            shuffle_input_sentence=False,
            max_sentence_length=1 << 14,
            allow_whitespace_only_pieces=True,
            minloglevel=2,
        )
        kwargs["required_chars"] = _required_chars(self.required_charset)
        if self.pre_segment:
            kwargs["pretokenization_delimiter"] = DELIMITER
        kwargs.update(self.extra)
        return kwargs


def jis_chars() -> str:
    """JIS X 0208 (enumerated through Python's EUC-JP codec, rows 0xA1-0xFE: kana, level-1
    and level-2 kanji, full-width symbols, the ideographic space) plus JIS X 0201 (printable
    ASCII and half-width katakana): 7,035 characters."""
    chars = [chr(c) for c in range(0x21, 0x7F)] + [chr(c) for c in range(0xFF61, 0xFFA0)]
    for high in range(0xA1, 0xFF):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes((high, low)).decode("euc_jp"))
            except UnicodeDecodeError:
                continue
    return "".join(dict.fromkeys(c for c in chars if len(c) == 1))


def _required_chars(charset: str) -> str:
    """Always "▁" (SentencePiece's space: without it a space decodes as a literal "▁" through
    byte fallback, breaking the round trip), plus the named set."""
    return "\u2581" + (jis_chars() if charset == "jis" else "")


def train_sentencepiece(sentences: Iterable[str], out_prefix: str | Path, config: TrainConfig) -> Path:
    """Train on `sentences` and write `<out_prefix>.model` (and `.vocab`); returns the .model path.

    The sentences go to SentencePiece through its iterator interface, so no temporary
    corpus file is written; with `pre_segment`, MeCab runs on the sample only.
    """
    import sentencepiece as spm

    out_prefix = Path(out_prefix)
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    stream: Iterable[str] = MecabSegmenter().segment_all(sentences) if config.pre_segment else iter(sentences)
    # SentencePiece only orders `required_chars` first; it stops adding characters once the
    # sample's coverage is reached, so a character the sample never shows is left out
    # (trainer_interface.cc, "Determines required_chars"). One single-character line each
    # makes them seen, without creating any pair for BPE to merge.
    stream = itertools.chain(stream, _required_chars(config.required_charset))
    spm.SentencePieceTrainer.train(sentence_iterator=stream, model_prefix=str(out_prefix), **config.sentencepiece_kwargs())
    return out_prefix.with_suffix(".model")


def config_record(config: TrainConfig) -> dict:
    """The config as JSON-able dict, with the exact SentencePiece flags used (saved with the model)."""
    record = asdict(config)
    record["user_defined_symbols"] = list(config.user_defined_symbols)
    record["sentencepiece"] = {k: v for k, v in config.sentencepiece_kwargs().items() if k != "required_chars"}
    return json.loads(json.dumps(record, ensure_ascii=False))
