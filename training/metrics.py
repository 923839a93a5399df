"""Training figures: FLOPs per token, MFU, throughput, memory; to console, JSON lines,
TensorBoard and (when installed and asked for) Weights & Biases.

MFU formula (torchtitan `get_num_flop_per_token`, after PaLM appendix B):

    flops_per_token = 6 * N + 12 * L * H * Dh * T

- `6 * N`: forward (2) + backward (4) FLOPs per weight for the matmul weights. N counts
  every parameter **except the input embedding table** (a lookup, not a matmul), and
  **includes the output head** (V x D), also when it is tied to the embedding, because
  that matmul runs either way. For an untied model this is exactly torchtitan's
  `6 * (nparams - nparams_embedding)`.
- `12 * L * H * Dh * T`: attention scores and weighted values (QK^T and AV, 2 FLOPs per
  multiply-add, x3 for backward) over the full T x T square, as torchtitan counts it; causal
  and document masking skip about half or more of it, so real work is lower than credited
  there and MFU numbers stay comparable with torchtitan's.
- MFU = flops_per_token * tokens/s / peak dense bf16 FLOP/s of the device (H100/H200 SXM
  989.4 TFLOP/s, NVIDIA datasheets; the same table as torchtitan `get_peak_flops`).
"""

from __future__ import annotations

import json
import math
import resource
import sys
import time
from pathlib import Path

import torch

from training.model import ModelArgs

# dense bf16 tensor-core peak, FLOP/s (NVIDIA datasheets; torchtitan utils.get_peak_flops)
PEAK_BF16_FLOPS = [
    ("H100 NVL", 835e12), ("H100 PCIe", 756e12), ("H100", 989.4e12), ("H200", 989.4e12), ("H20", 148e12),
    ("B200", 2.25e15), ("A100", 312e12), ("L40S", 362e12), ("A10", 125e12),
]


def matmul_params(args: ModelArgs) -> int:
    """N of the formula: every weight except the input embedding table; the head counted once."""
    attn = args.dim * args.head_dim * (args.n_heads * 2 + args.n_kv_heads * 2)
    mlp = 3 * args.dim * args.ffn_dim
    norms = 2 * args.dim
    return args.n_layers * (attn + mlp + norms) + args.dim + args.vocab_size * args.dim


def total_params(args: ModelArgs) -> int:
    return matmul_params(args) + (0 if args.tie_embeddings else args.vocab_size * args.dim)


def flops_per_token(args: ModelArgs, seq_len: int) -> int:
    return 6 * matmul_params(args) + 12 * args.n_layers * args.n_heads * args.head_dim * seq_len


def peak_flops(device: torch.device) -> float | None:
    """Peak dense bf16 FLOP/s of a CUDA device, or None (CPU, unknown GPU): MFU is then not reported."""
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    for key, value in PEAK_BF16_FLOPS:
        if key in name:
            return value
    return None


def memory_gib(device: torch.device) -> float:
    """Peak allocated GPU memory, or peak RSS of this process on CPU."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**30
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss_kb / 2**20 if sys.platform != "darwin" else rss_kb / 2**30


class Throughput:
    """Tokens/s, MFU and Japanese characters/s over the steps since the last report."""

    def __init__(self, args: ModelArgs, seq_len: int, device: torch.device, world_size: int = 1,
                 chars_per_token: float | None = None):
        self.flops_per_token = flops_per_token(args, seq_len)
        self.peak = peak_flops(device)
        self.world_size, self.chars_per_token = world_size, chars_per_token
        self.reset()

    def reset(self) -> None:
        self.started, self.tokens = time.perf_counter(), 0

    def add(self, tokens: int) -> None:
        self.tokens += tokens

    def report(self) -> dict[str, float]:
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        per_rank = self.tokens / elapsed
        out = {"tokens_per_s": per_rank * self.world_size, "tokens_per_s_per_device": per_rank}
        if self.peak:
            out["mfu"] = per_rank * self.flops_per_token / self.peak
        if self.chars_per_token:
            out["ja_chars_per_s"] = per_rank * self.world_size * self.chars_per_token
        self.reset()
        return out


class MetricsLogger:
    """One sink for every figure: console (rank 0), `metrics.jsonl`, TensorBoard, W&B."""

    def __init__(self, out_dir: Path, rank: int = 0, tensorboard: bool = True, wandb: bool = False,
                 wandb_project: str = "jacorpus", config: dict | None = None, quiet: bool = False):
        self.rank, self.quiet = rank, quiet
        self.file = None
        self.tb = None
        self.wandb = None
        if rank != 0:
            return
        out_dir.mkdir(parents=True, exist_ok=True)
        self.file = (out_dir / "metrics.jsonl").open("a", encoding="utf-8")
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self.tb = SummaryWriter(str(out_dir / "tensorboard"))
            except ImportError:  # the tensorboard package is optional
                self.tb = None
        if wandb:
            try:
                import wandb as wandb_module

                self.wandb = wandb_module.init(project=wandb_project, dir=str(out_dir), config=config or {})
            except ImportError:
                self.wandb = None

    def log(self, step: int, figures: dict, console: bool = True) -> None:
        if self.rank != 0:
            return
        clean = {k: (float(v) if isinstance(v, (int, float)) else v) for k, v in figures.items()}
        self.file.write(json.dumps({"step": step, **clean}) + "\n")
        self.file.flush()
        for key, value in clean.items():
            if self.tb is not None and isinstance(value, float) and math.isfinite(value):
                self.tb.add_scalar(key, value, step)
        if self.wandb is not None:
            self.wandb.log(clean, step=step)
        if console and not self.quiet:
            print(format_line(step, clean), flush=True)

    def close(self) -> None:
        if self.file:
            self.file.close()
        if self.tb is not None:
            self.tb.close()
        if self.wandb is not None:
            self.wandb.finish()


def format_line(step: int, figures: dict) -> str:
    parts = [f"step {step:>6}"]
    formats = {
        "loss": "loss {:.4f}", "val_loss": "val {:.4f}", "lr": "lr {:.2e}", "grad_norm": "gnorm {:.3f}",
        "tokens_per_s": "{:,.0f} tok/s", "mfu": "mfu {:.1%}", "ja_chars_per_s": "{:,.0f} ja-char/s",
        "memory_gib": "mem {:.2f} GiB", "eta_s": "eta {:.0f}s",
    }
    for key, fmt in formats.items():
        if key in figures:
            parts.append(fmt.format(figures[key]))
    return " | ".join(parts)
