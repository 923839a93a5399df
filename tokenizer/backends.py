"""One small interface over the two tokenizer formats users bring: SentencePiece `.model`
and Hugging Face `tokenizer.json`.

Evaluation, vocabulary expansion and the token shards all take "a tokenizer by path"; this
is where a path becomes something that encodes, decodes and knows which of its ids are
byte fallbacks. A `.model` is encoded with SentencePiece itself, which is several times
faster than the `tokenizers` port of the same model on Japanese (measured in
benchmarks/tokenizer.py), so the token shards use it whenever they can.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cached_property
from pathlib import Path

_BYTE_PIECE = re.compile(r"^<0x[0-9A-Fa-f]{2}>$")
# special-token spellings of the common families, tried in order when no tokenizer_config.json says
_BOS_NAMES = ("<s>", "<|begin_of_text|>", "<|startoftext|>", "<bos>", "[BOS]")
_EOS_NAMES = ("</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>", "<EOD>")


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def byte_level_decoder_map() -> dict[str, int]:
    """GPT-2's byte <-> printable-character table, used by every byte-level BPE (Llama 3 too)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


class LoadedTokenizer:
    """What every caller needs from a tokenizer; `load_tokenizer(path)` picks the subclass."""

    path: Path
    kind: str

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        raise NotImplementedError

    def encode(self, text: str) -> list[int]:
        """Ids of one text, no BOS/EOS added."""
        return self.encode_batch([text])[0]

    def decode(self, ids: list[int]) -> str:
        raise NotImplementedError

    @property
    def vocab_size(self) -> int:
        raise NotImplementedError

    def id_to_piece(self, index: int) -> str:
        raise NotImplementedError

    @cached_property
    def byte_ids(self) -> frozenset[int]:
        """Ids that stand for raw bytes rather than characters (byte fallback, or byte-level fragments)."""
        raise NotImplementedError

    unk_id: int | None = None
    bos_id: int | None = None
    eos_id: int | None = None

    @cached_property
    def sha256(self) -> str:
        return file_sha256(self.path)

    def describe(self) -> dict:
        return {
            "path": str(self.path), "kind": self.kind, "sha256": self.sha256, "vocab_size": self.vocab_size,
            "bos_id": self.bos_id, "eos_id": self.eos_id, "unk_id": self.unk_id,
        }


class SentencePieceTokenizer(LoadedTokenizer):
    kind = "sentencepiece"

    def __init__(self, path: str | Path):
        import sentencepiece as spm

        self.path = Path(path)
        self.sp = spm.SentencePieceProcessor(model_file=str(self.path))
        self.unk_id = self.sp.unk_id()
        self.bos_id = self.sp.bos_id() if self.sp.bos_id() >= 0 else None
        self.eos_id = self.sp.eos_id() if self.sp.eos_id() >= 0 else None

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return self.sp.encode(texts, num_threads=1)

    def decode(self, ids: list[int]) -> str:
        return self.sp.decode(ids)

    @property
    def vocab_size(self) -> int:
        return self.sp.get_piece_size()

    def id_to_piece(self, index: int) -> str:
        return self.sp.id_to_piece(index)

    @cached_property
    def byte_ids(self) -> frozenset[int]:
        return frozenset(i for i in range(self.vocab_size) if self.sp.is_byte(i))


class HFTokenizer(LoadedTokenizer):
    kind = "tokenizers"

    def __init__(self, path: str | Path):
        from tokenizers import Tokenizer

        self.path = Path(path)
        self.tok = Tokenizer.from_file(str(self.path))
        spec = json.loads(self.path.read_text(encoding="utf-8"))
        self.byte_level = "ByteLevel" in json.dumps(spec.get("decoder")) or "ByteLevel" in json.dumps(spec.get("pre_tokenizer"))
        model = spec.get("model", {})
        unk = model.get("unk_token") if model.get("type") == "BPE" else None
        if model.get("type") == "Unigram" and model.get("unk_id") is not None:
            self.unk_id = model["unk_id"]
        else:
            self.unk_id = self.tok.token_to_id(unk) if unk else None
        config_path = self.path.parent / "tokenizer_config.json"
        config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.is_file() else {}
        self.bos_id = self._special(config.get("bos_token"), _BOS_NAMES)
        self.eos_id = self._special(config.get("eos_token"), _EOS_NAMES)

    def _special(self, configured, names: tuple[str, ...]) -> int | None:
        if isinstance(configured, dict):
            configured = configured.get("content")
        for name in ([configured] if configured else []) + list(names):
            index = self.tok.token_to_id(name)
            if index is not None:
                return index
        return None

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.tok.encode_batch(texts, add_special_tokens=False)]

    def decode(self, ids: list[int]) -> str:
        return self.tok.decode(ids, skip_special_tokens=False)

    @property
    def vocab_size(self) -> int:
        return self.tok.get_vocab_size(with_added_tokens=True)

    def id_to_piece(self, index: int) -> str:
        return self.tok.id_to_token(index)

    @cached_property
    def byte_ids(self) -> frozenset[int]:
        vocab = self.tok.get_vocab(with_added_tokens=False)
        if not self.byte_level:
            return frozenset(i for piece, i in vocab.items() if _BYTE_PIECE.match(piece))
        # byte-level BPE has no fallback; its analogue is a token that is not whole characters
        table = byte_level_decoder_map()
        out = set()
        for piece, i in vocab.items():
            try:
                bytes(table[c] for c in piece).decode("utf-8")
            except (KeyError, UnicodeDecodeError):
                out.add(i)
        return frozenset(out)


def tokenizer_file(path: str | Path) -> Path:
    """The file a tokenizer path means, for every command that takes one (tokenize, `tokenizer
    eval`, `evaluate`, the trainer's export): a file is itself; a folder means its
    `tokenizer.model`, else its `tokenizer.json`, else its only `*.model`.

    `.model` first because the tokenize stage encodes the shards with SentencePiece when it
    can (several times faster), so a folder holding both (ours, Llama 2's) is evaluated with
    the very tokenizer the model was trained on."""
    path = Path(path)
    if path.is_dir():
        for name in ("tokenizer.model", "tokenizer.json"):
            if (path / name).is_file():
                return path / name
        models = sorted(path.glob("*.model"))
        if len(models) == 1:
            return models[0]
        raise FileNotFoundError(f"{path}: no tokenizer.model or tokenizer.json in this folder")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: tokenizer file not found")
    return path


def load_tokenizer(path: str | Path) -> LoadedTokenizer:
    """A `.json` file -> tokenizers; any other file -> SentencePiece; a folder: `tokenizer_file`."""
    path = tokenizer_file(path)
    if path.suffix == ".json":
        return HFTokenizer(path)
    return SentencePieceTokenizer(path)
