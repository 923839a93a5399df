"""Grow a Llama's embedding and output head to an expanded tokenizer, Swallow-style.

Swallow (Fujii et al. 2024, arXiv:2404.17790, sec. 3.2) initialises each new token's
embedding with the mean of the embeddings of the pieces the *base* tokenizer splits it
into, rather than the global mean, so a new token starts where the model already "reads"
its spelling. The mapping comes from `jacorpus tokenizer expand`. Rows added only to pad
the vocabulary (to a multiple of 64/128) get the mean of all base rows; no token id maps
to them.

`NewRowsWarmup` trains only the new rows for the first steps (embedding and head rows of
base tokens and every other weight stay bit-identical), so the randomly placed new
vectors settle before they disturb the pretrained network.

Accepted mapping files (JSON or JSON lines):
- `{"base_vocab_size": 32000, "vocab_size": 43176, "new_tokens": {"32000": [29871, 30325], ...}}`
- `{"32000": [29871, 30325], ...}` (base size = the smallest new id)
- a list / JSON lines of `{"id": 32000, "pieces": [29871, 30325]}` (`base_ids` or
  `piece_ids` instead of `pieces` also work; a token string under `token` is ignored).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch

from training.model import ModelArgs


@dataclass
class VocabMapping:
    base_vocab_size: int
    vocab_size: int
    """size of the expanded tokenizer, before padding"""
    pieces: dict[int, list[int]]
    """new token id -> its pieces under the base tokenizer"""


def _entries(data) -> dict[int, list[int]]:
    if isinstance(data, dict):
        return {int(k): [int(i) for i in v] for k, v in data.items()}
    out = {}
    for item in data:
        pieces = item.get("pieces", item.get("base_ids", item.get("piece_ids")))
        if pieces is None:
            raise ValueError(f"mapping entry without pieces: {item}")
        out[int(item["id"])] = [int(i) for i in pieces]
    return out


def load_mapping(path: str | Path) -> VocabMapping:
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = [json.loads(line) for line in text.splitlines() if line.strip()]
    if isinstance(data, dict) and "new_tokens" in data:
        pieces = _entries(data["new_tokens"])
        base = int(data.get("base_vocab_size", min(pieces, default=0)))
        size = int(data.get("vocab_size", max(pieces, default=base - 1) + 1))
    else:
        pieces = _entries(data)
        base = min(pieces, default=0)
        size = max(pieces, default=-1) + 1
    if not pieces:
        raise ValueError(f"{path}: the mapping names no new tokens")
    bad = [t for t, p in pieces.items() if t < base or not p or any(i < 0 or i >= base for i in p)]
    if bad:
        raise ValueError(f"{path}: token {bad[0]} is a base id or maps to ids outside the base vocabulary [0, {base})")
    return VocabMapping(base, max(size, max(pieces) + 1), pieces)


def padded_size(size: int, multiple: int) -> int:
    return -(-size // multiple) * multiple


def _grow(matrix: torch.Tensor, mapping: VocabMapping, rows: int) -> torch.Tensor:
    base = matrix[: mapping.base_vocab_size].float()
    out = base.mean(0, keepdim=True).repeat(rows, 1)
    out[: mapping.base_vocab_size] = base
    for token, pieces in mapping.pieces.items():
        out[token] = base[pieces].mean(0)
    return out.to(matrix.dtype)


def expand_state_dict(
    state: dict[str, torch.Tensor], args: ModelArgs, mapping: VocabMapping, pad_to_multiple: int = 64
) -> tuple[dict[str, torch.Tensor], ModelArgs]:
    """New embedding (and untied head) rows as piece means; returns the state and the grown args."""
    current = state["tok_embeddings.weight"].shape[0]
    if current < mapping.base_vocab_size:
        raise ValueError(f"model vocabulary {current} is smaller than the mapping's base {mapping.base_vocab_size}")
    rows = padded_size(mapping.vocab_size, pad_to_multiple)
    state = dict(state)
    state["tok_embeddings.weight"] = _grow(state["tok_embeddings.weight"], mapping, rows)
    if not args.tie_embeddings:
        state["output.weight"] = _grow(state["output.weight"], mapping, rows)
    else:
        state.pop("output.weight", None)
    grown = ModelArgs(**{f: getattr(args, f) for f in args.__dataclass_fields__})
    grown.vocab_size = rows
    return state, grown


def _zero_rows_below(grad: torch.Tensor, limit: int) -> None:
    """Zero gradient rows with global index < limit; works on plain and FSDP2-sharded (DTensor) grads."""
    offset = 0
    local = grad
    if hasattr(grad, "to_local"):
        from torch.distributed.tensor._utils import (
            compute_local_shape_and_global_offset,
        )

        _, global_offset = compute_local_shape_and_global_offset(grad.shape, grad.device_mesh, grad.placements)
        offset, local = global_offset[0], grad.to_local()
    stop = max(0, min(local.shape[0], limit - offset))
    if stop:
        local[:stop].zero_()


class NewRowsWarmup:
    """Phase 1 of Swallow-style expansion: an optimizer over the embedding and head only,
    no weight decay, with base-token rows' gradients zeroed so Adam leaves them exactly as
    they were (zero gradient, zero moments, zero update)."""

    def __init__(self, model: torch.nn.Module, base_vocab_size: int):
        self.base_vocab_size = base_vocab_size
        seen, self.params = set(), []
        for p in (model.tok_embeddings.weight, model.output.weight):
            if id(p) not in seen:
                seen.add(id(p))
                self.params.append(p)

    def make_optimizer(self, lr: float, betas: tuple[float, float], eps: float, fused: bool | None) -> torch.optim.Optimizer:
        return torch.optim.AdamW(self.params, lr=lr, betas=betas, eps=eps, weight_decay=0.0, fused=fused)

    def mask_gradients(self) -> None:
        for p in self.params:
            if p.grad is not None:
                _zero_rows_below(p.grad, self.base_vocab_size)
