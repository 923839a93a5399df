"""One optimizer step and one validation pass, and the learning-rate schedule.

Kept apart from `trainer.py` (which sets up and orchestrates) so the arithmetic of a step
reads in one screen: micro-batches accumulate gradients (FSDP2 syncs only on the last),
gradients are clipped, and the step's loss and gradient norm come back for the caller's
NaN/inf policy before the optimizer runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from training.config import OptimConfig
from training.data import Batch
from training.parallelize import World, all_reduce_mean


def lr_at(step: int, cfg: OptimConfig, max_steps: int) -> float:
    """Linear warm-up, then cosine to `min_lr_ratio * lr` (Llama 2), WSD (MiniCPM: stable,
    then a linear decay over the last `decay_fraction` of steps) or constant."""
    if cfg.warmup_steps and step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    floor = cfg.lr * cfg.min_lr_ratio
    if cfg.schedule == "constant":
        return cfg.lr
    if cfg.schedule == "cosine":
        progress = min(1.0, (step - cfg.warmup_steps) / max(1, max_steps - cfg.warmup_steps))
        return floor + (cfg.lr - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))
    decay_start = max(cfg.warmup_steps, max_steps - round(cfg.decay_fraction * max_steps))
    if step < decay_start:
        return cfg.lr
    progress = min(1.0, (step - decay_start) / max(1, max_steps - decay_start))
    return cfg.lr - (cfg.lr - floor) * progress


@dataclass
class Tensors:
    input_ids: torch.Tensor
    labels: torch.Tensor
    doc_ids: torch.Tensor | None


def to_device(batch: Batch, device: torch.device, document_masking: bool) -> Tensors:
    pin = device.type == "cuda"

    def move(a: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
        t = torch.from_numpy(np.ascontiguousarray(a)).to(dtype)
        return t.pin_memory().to(device, non_blocking=True) if pin else t

    doc_ids = move(batch.doc_ids, torch.int32) if document_masking else None
    return Tensors(move(batch.input_ids, torch.long), move(batch.labels, torch.long), doc_ids)


def batch_loss(model: torch.nn.Module, t: Tensors, autocast, loss_chunk: int = 0) -> torch.Tensor:
    """Mean next-token cross-entropy in float32; the model fuses head and loss when loss_chunk > 0."""
    with autocast:
        return model(t.input_ids, doc_ids=t.doc_ids, labels=t.labels, loss_chunk=loss_chunk)


def _set_gradient_sync(model: torch.nn.Module, on: bool) -> None:
    if hasattr(model, "set_requires_gradient_sync"):  # FSDP2: reduce-scatter only on the last micro-batch
        model.set_requires_gradient_sync(on)


def _reshard(model: torch.nn.Module) -> None:
    """FSDP2 keeps the root and last block gathered after a forward with no backward to free
    them; release them so evaluation does not leave bf16 copies in memory."""
    for module in model.modules():
        if hasattr(module, "reshard") and hasattr(module, "set_requires_gradient_sync"):
            module.reshard()


def grad_norm_and_clip(params: list[torch.nn.Parameter], max_norm: float) -> torch.Tensor:
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm if max_norm > 0 else float("inf"), foreach=True)
    return norm.full_tensor() if hasattr(norm, "full_tensor") else norm


def forward_backward(model: torch.nn.Module, batches: list[Batch], device: torch.device, document_masking: bool,
                     autocast, world: World, loss_chunk: int = 0) -> float:
    """Accumulate gradients over the micro-batches; returns the step's mean loss across ranks."""
    total = torch.zeros((), device=device)
    for i, batch in enumerate(batches):
        _set_gradient_sync(model, i == len(batches) - 1)
        loss = batch_loss(model, to_device(batch, device, document_masking), autocast, loss_chunk)
        (loss / len(batches)).backward()
        total += loss.detach()
    return float(all_reduce_mean(total / len(batches), world))


@torch.no_grad()
def validation_loss(model: torch.nn.Module, batches: list[Batch], device: torch.device, document_masking: bool,
                    autocast, world: World, loss_chunk: int = 0) -> float | None:
    """Token-weighted mean loss over the fixed held-out batches (None when there are none).

    Every rank holds the same list and scores its slice `batches[rank::world]`; a rank
    whose slice is shorter runs a zero-weight forward so FSDP's collectives stay paired.
    """
    if not batches:
        return None
    was_training = model.training
    model.eval()
    nll = torch.zeros((), device=device, dtype=torch.float64)
    count = torch.zeros((), device=device, dtype=torch.float64)
    mine = batches[world.rank :: world.world_size]
    for i in range(-(-len(batches) // world.world_size)):
        batch, weight = (mine[i], 1.0) if i < len(mine) else (batches[0], 0.0)
        t = to_device(batch, device, document_masking)
        nll += batch_loss(model, t, autocast, loss_chunk).double() * t.labels.numel() * weight
        count += t.labels.numel() * weight
    model.train(was_training)
    _reshard(model)
    both = all_reduce_mean(torch.stack([nll, count]), world)
    return float(both[0] / both[1])
