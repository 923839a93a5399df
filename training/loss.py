"""Next-token cross-entropy, optionally fused with the output head over chunks of tokens.

Why: at sequence 8192 with Llama 3's 128,256-token vocabulary one sequence's logits are
1.05 G values: 2.1 GB in bf16, 4.2 GB again in fp32 for the loss, and as much for their
gradient. Writing and re-reading them costs memory bandwidth every step and caps the
sequence length that fits. `linear_cross_entropy` computes head, loss and both gradients
chunk by chunk in the forward pass (Liger-Kernel's FusedLinearCrossEntropy; torchtune's
chunked CE makes the same trade), so at most `chunk` x vocab logits exist at a time and
the backward pass only scales the stored gradients. The matmuls are the ones an unfused
head runs, so the FLOP count (and MFU) is unchanged.

Numerics follow the unfused bf16 path: logits in the compute dtype, log-sum-exp in fp32,
the logits' gradient rounded to the compute dtype before the two gradient matmuls. In
float32 (the CPU configs) it equals the unfused loss to rounding (tests/test_train_loss.py).

The per-chunk kernel is an argument: a model compiled by training/parallelize.py passes a
`torch.compile`d `chunk_loss_and_grad`, so on a GPU the fp32 softmax work of a chunk is one
fused pass over its bf16 logits, and nothing else in the process changes.
Pure torch: no config, device or distribution imports.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F


def chunk_loss_and_grad(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed CE of one chunk (fp32) and d(sum CE)/d(logits) = softmax - one_hot, in the logits' dtype."""
    x = logits.float()
    lse = torch.logsumexp(x, dim=-1)
    target = x.gather(1, labels[:, None]).squeeze(1)
    grad = torch.exp(x - lse[:, None])
    grad[torch.arange(x.shape[0], device=x.device), labels] -= 1.0  # in place: no (chunk x vocab) one-hot
    return (lse - target).sum(), grad.to(logits.dtype)


class _LinearCrossEntropy(torch.autograd.Function):
    @staticmethod
    def forward(ctx, hidden: torch.Tensor, weight: torch.Tensor, labels: torch.Tensor, chunk: int,
                dtype: torch.dtype, kernel: Callable) -> torch.Tensor:
        n = hidden.shape[0]
        with torch.autocast(hidden.device.type, enabled=False):
            h, w = hidden.to(dtype), weight.to(dtype)
            grad_h = torch.empty_like(h)
            grad_w = torch.zeros(weight.shape, dtype=torch.float32, device=weight.device)
            total = torch.zeros((), dtype=torch.float32, device=hidden.device)
            for start in range(0, n, chunk):
                hc = h[start : start + chunk]
                loss, g = kernel(hc @ w.t(), labels[start : start + chunk])
                total += loss
                grad_h[start : start + chunk] = g @ w
                grad_w += (g.t() @ hc).float()
        ctx.save_for_backward(grad_h, grad_w)
        ctx.n, ctx.dtypes = n, (hidden.dtype, weight.dtype)
        return total / n

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        grad_h, grad_w = ctx.saved_tensors
        scale = grad_out / ctx.n
        return (grad_h * scale.to(grad_h.dtype)).to(ctx.dtypes[0]), (grad_w * scale).to(ctx.dtypes[1]), None, None, None, None


def linear_cross_entropy(hidden: torch.Tensor, weight: torch.Tensor, labels: torch.Tensor, chunk: int = 0,
                         kernel: Callable | None = None) -> torch.Tensor:
    """Mean CE of `labels` under logits `hidden @ weight.T`; hidden (..., D), labels (...).

    chunk = 0: the plain path (whole logits, then fp32 cross-entropy). chunk > 0: fused,
    `chunk` tokens at a time, each by `kernel` (default `chunk_loss_and_grad`, eager). The
    compute dtype is autocast's when it is on, else the hidden states' (bf16 under FSDP2's
    mixed precision, fp32 on CPU).
    """
    hidden, labels = hidden.flatten(0, -2), labels.flatten()
    if chunk <= 0:
        return F.cross_entropy(F.linear(hidden, weight).float(), labels)
    device = hidden.device.type
    dtype = torch.get_autocast_dtype(device) if torch.is_autocast_enabled(device) else hidden.dtype
    return _LinearCrossEntropy.apply(hidden, weight, labels, chunk, dtype, kernel or chunk_loss_and_grad)
