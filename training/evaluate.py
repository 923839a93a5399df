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

import math
from pathlib import Path
from typing import Protocol

import torch
import torch.nn.functional as F

from corpus.formats.shard_files import read_texts
from tokenizer.backends import load_tokenizer
from training.hf_io import load_hf_model, read_hf_config


class Encoder(Protocol):
    """What scoring needs of a tokenizer (`tokenizer.backends.LoadedTokenizer` is one)."""

    bos_id: int | None

    def encode(self, text: str) -> list[int]: ...


@torch.no_grad()
def bits_per_character(model: torch.nn.Module, tokenizer: Encoder, texts: list[str], seq_len: int = 2048,
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
    tok = load_tokenizer(tokenizer or model_dir)  # the rule every command uses: .model before .json
    texts = read_texts(text_paths, max_chars)
    figures = bits_per_character(model, tok, texts, min(seq_len, model.args.max_seq_len), batch_size, device,
                                 bos_id=config.get("bos_token_id") if tok.bos_id is None else None)
    return {"model": str(model_dir), "tokenizer": str(tok.path), **figures}
