"""Bits per character on held-out Japanese text: a tokenizer-independent language-model score.

Loss per token cannot compare a base Llama with its vocabulary-expanded continuation: the
expanded tokenizer needs fewer, harder tokens for the same text. Summing the negative
log-likelihood of every token of a text and dividing by its characters gives bits per
character, which depends only on the text (as in the Swallow and LLM-jp evaluations of
tokenizer changes; also Gao et al., The Pile, sec. 5 "bits per UTF-8 byte").

Every token is scored once: a text is encoded without special tokens, BOS is prepended
(when the tokenizer or model config names one) so the first token is predicted too, and
long texts are cut into windows of `seq_len` tokens scored independently (no context
across a window edge, which slightly overstates bits for very long texts).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from training.hf_io import load_hf_model, read_hf_config

_BOS_NAMES = ("<s>", "<|begin_of_text|>", "<bos>", "[BOS]")


@dataclass
class TextTokenizer:
    encode: Callable[[str], list[int]]
    bos_id: int | None
    name: str


def load_tokenizer(path: str | Path) -> TextTokenizer:
    """A HF `tokenizer.json` (file or in a directory) or a sentencepiece `.model`."""
    path = Path(path)
    if path.is_dir():
        for name in ("tokenizer.json", "tokenizer.model"):
            if (path / name).is_file():
                return load_tokenizer(path / name)
        models = sorted(path.glob("*.model"))
        if models:
            return load_tokenizer(models[0])
        raise FileNotFoundError(f"{path}: no tokenizer.json or *.model")
    if path.suffix == ".json":
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(path))
        bos = next((tok.token_to_id(n) for n in _BOS_NAMES if tok.token_to_id(n) is not None), None)
        return TextTokenizer(lambda text: tok.encode(text, add_special_tokens=False).ids, bos, str(path))
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(path))
    bos = sp.bos_id() if sp.bos_id() >= 0 else None
    return TextTokenizer(lambda text: sp.encode(text), bos, str(path))


def read_texts(paths: list[str | Path], max_chars: int | None = None) -> list[str]:
    """Plain text (one document per file), JSON lines or parquet (the `text` field)."""
    texts: list[str] = []
    for p in map(Path, paths):
        if p.suffix == ".parquet":
            import pyarrow.parquet as pq

            texts.extend(t for t in pq.read_table(p, columns=["text"]).column("text").to_pylist() if t)
        elif p.suffix in (".jsonl", ".json"):
            for line in p.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    texts.append(json.loads(line)["text"])
        else:
            texts.append(p.read_text(encoding="utf-8"))
    if max_chars is not None:
        kept, total = [], 0
        for t in texts:
            if total >= max_chars:
                break
            kept.append(t[: max_chars - total])
            total += len(kept[-1])
        texts = kept
    return [t for t in texts if t]


@torch.no_grad()
def bits_per_character(model: torch.nn.Module, tokenizer: TextTokenizer, texts: list[str], seq_len: int = 2048,
                       batch_size: int = 8, device: torch.device | str = "cpu", bos_id: int | None = None) -> dict:
    """Sum of token NLL in bits over the number of characters of `texts`."""
    device = torch.device(device)
    model.eval()
    bos = bos_id if bos_id is not None else tokenizer.bos_id
    windows: list[list[int]] = []
    chars = tokens = unscored = 0
    for text in texts:
        ids = tokenizer.encode(text)
        chars += len(text)
        tokens += len(ids)
        seq = ([bos] if bos is not None else []) + ids
        if bos is None and ids:
            unscored += 1
        for start in range(0, max(len(seq) - 1, 0), seq_len):
            windows.append(seq[start : start + seq_len + 1])
    nll = 0.0
    windows.sort(key=len)
    for b in range(0, len(windows), batch_size):
        group = windows[b : b + batch_size]
        width = max(len(w) for w in group)
        x = torch.zeros(len(group), width - 1, dtype=torch.long)
        y = torch.full((len(group), width - 1), -100, dtype=torch.long)
        for i, w in enumerate(group):
            x[i, : len(w) - 1] = torch.tensor(w[:-1])
            y[i, : len(w) - 1] = torch.tensor(w[1:])
        logits = model(x.to(device)).float()
        nll += float(F.cross_entropy(logits.flatten(0, 1), y.to(device).flatten(), reduction="sum", ignore_index=-100))
    bits = nll / math.log(2)
    return {
        "bits_per_char": bits / chars if chars else float("nan"),
        "bits_per_token": bits / max(tokens - unscored, 1),
        "characters": chars,
        "tokens": tokens,
        "chars_per_token": chars / tokens if tokens else float("nan"),
        "unscored_tokens": unscored,
        "documents": len(texts),
    }


def evaluate_model(model_dir: str | Path, text_paths: list[str], tokenizer: str | Path | None = None,
                   seq_len: int = 2048, batch_size: int = 8, max_chars: int | None = None, device: str = "auto") -> dict:
    """Load a HF Llama directory (ours or anyone's) and score it on the texts."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    config = read_hf_config(model_dir)
    model = load_hf_model(model_dir, dtype=dtype).to(device)
    tok = load_tokenizer(tokenizer or model_dir)
    texts = read_texts(text_paths, max_chars)
    figures = bits_per_character(model, tok, texts, min(seq_len, model.args.max_seq_len), batch_size, device,
                                 bos_id=config.get("bos_token_id") if tok.bos_id is None else None)
    return {"model": str(model_dir), "tokenizer": tok.name, **figures}
