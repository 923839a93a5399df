"""The Llama architecture as one compact, pure module: args dataclass plus `nn.Module`s.

Covers Llama 2 (multi-head attention, untied output) and Llama 3 / 3.1 / 3.2 (grouped-query
attention, "llama3" RoPE frequency scaling, tied embeddings in 3.2-1B/3B). Weights map
one to one onto Hugging Face's `LlamaForCausalLM` (see `training/hf_io.py`): RoPE uses the
"rotate half" layout of HF checkpoints, and RMSNorm, RoPE and the MLP follow
`transformers/models/llama/modeling_llama.py` step for step, so logits agree with
transformers on the same weights (tests/test_model.py proves it).

Document masking: pass `doc_ids` (one id per position) and a token attends only to earlier
tokens of its own document. On CPU a dense boolean mask goes to SDPA; on GPU FlexAttention
builds a block-sparse mask, so packed long sequences cost no attention across documents.
RoPE is relative, so positions need not restart at a document boundary.

Nothing here knows about devices, distribution, configs or files (STYLE.md rule 9).
Layout after llama2.c `model.py` and torchtitan `models/llama3/model/`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import torch
import torch.nn.functional as F
from torch import nn

from training.loss import linear_cross_entropy


@dataclass(kw_only=True, slots=True)
class ModelArgs:
    """Shape of a Llama model. Field names follow Meta's `params.json`; `hf_io` maps HF's."""

    dim: int = 4096
    """hidden size (HF `hidden_size`)"""
    n_layers: int = 32
    n_heads: int = 32
    n_kv_heads: int | None = None
    """key/value heads for grouped-query attention; None = n_heads (Llama 2 7B)"""
    vocab_size: int = 32000
    ffn_dim: int = 11008
    """MLP inner size (HF `intermediate_size`)"""
    head_dim: int | None = None
    """None = dim // n_heads"""
    norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    rope_scaling: dict | None = None
    """None, {"rope_type": "linear", "factor": f}, or {"rope_type": "llama3", "factor",
    "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"} (Llama 3.1)"""
    max_seq_len: int = 4096
    tie_embeddings: bool = False
    """output head shares the embedding matrix (Llama 3.2 1B/3B)"""
    attn_backend: str = "sdpa"
    """"sdpa" (dense mask when documents are masked) or "flex" (FlexAttention block mask)"""
    extra: dict = field(default_factory=dict)
    """HF config keys we carry through export untouched (bos/eos ids and the like)"""

    def __post_init__(self) -> None:
        _check_field_types(self)
        if self.n_kv_heads is None:
            self.n_kv_heads = self.n_heads
        if self.head_dim is None:
            if self.dim % self.n_heads:
                raise ValueError(f"dim {self.dim} is not a multiple of n_heads {self.n_heads}")
            self.head_dim = self.dim // self.n_heads
        if self.n_heads % self.n_kv_heads:
            raise ValueError(f"n_heads {self.n_heads} is not a multiple of n_kv_heads {self.n_kv_heads}")
        if self.attn_backend not in ("sdpa", "flex"):
            raise ValueError(f"attn_backend must be 'sdpa' or 'flex', got {self.attn_backend!r}")
        kind = (self.rope_scaling or {}).get("rope_type", "default")
        if kind not in ("default", "linear", "llama3"):
            raise ValueError(f"unsupported rope_scaling type {kind!r} (default, linear, llama3)")


_TYPES = {"int": int, "float": float, "bool": bool, "str": str, "dict": dict}


def _type_error(name: str, expected: str, value: object) -> TypeError:
    return TypeError(f"{name}: expected {expected}, got {value!r}")


def _check_field_types(args: ModelArgs) -> None:
    """Each field must hold its declared type before any tensor sees it: a string eps (YAML 1.1
    reads `1e-05` as one) otherwise fails only inside torch.compile, far from the config.
    An int where a float is declared is widened; bools are not ints here."""
    for f in fields(args):
        value, options = getattr(args, f.name), [t.strip() for t in f.type.split("|")]
        if value is None and "None" in options:
            continue
        kinds = [_TYPES[t] for t in options if t in _TYPES]
        ok = any(isinstance(value, k) and (k is bool or not isinstance(value, bool)) for k in kinds)
        if not ok and float in kinds and isinstance(value, int) and not isinstance(value, bool):
            setattr(args, f.name, float(value))
            ok = True
        if not ok:
            raise _type_error(f.name, f.type, value)
    if args.rope_scaling:
        args.rope_scaling = scaling = dict(args.rope_scaling)  # widened below; the caller's dict stays as given
        for key in ("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"):
            if key not in scaling:
                continue
            value = scaling[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _type_error(f"rope_scaling.{key}", "a number", value)
            if key.endswith("factor"):
                scaling[key] = float(value)


def rope_inverse_frequencies(args: ModelArgs) -> torch.Tensor:
    """Per-pair rotation frequencies, with Llama 3.1's frequency-band scaling when asked.

    Follows transformers `modeling_rope_utils._compute_default_parameters` and
    `_compute_llama3_parameters` (itself from Meta's llama-models `apply_scaling`).
    """
    d = args.head_dim
    inv_freq = 1.0 / (args.rope_theta ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    scaling = args.rope_scaling or {}
    kind = scaling.get("rope_type", "default")
    if kind == "linear":
        return inv_freq / scaling["factor"]
    if kind == "llama3":
        factor = scaling["factor"]
        low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
        old_len = scaling["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old_len / low, old_len / high
        wavelen = 2 * math.pi / inv_freq
        scaled = torch.where(wavelen > low_wavelen, inv_freq / factor, inv_freq)
        smooth = (old_len / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
        return torch.where(medium, smoothed, scaled)
    return inv_freq


def rope_cos_sin(inv_freq: torch.Tensor, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """cos/sin of shape (batch, seq, head_dim) in float32, as transformers' LlamaRotaryEmbedding."""
    freqs = positions[:, :, None].float() * inv_freq[None, None, :].float()
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x: (batch, heads, seq, head_dim); the HF "rotate half" convention."""
    cos, sin = cos[:, None].to(x.dtype), sin[:, None].to(x.dtype)
    return x * cos + _rotate_half(x) * sin


class RMSNorm(nn.Module):
    """Root-mean-square norm computed in float32, then scaled in the input dtype (as HF)."""

    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        h = x.float()
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * h.to(dtype)


def document_causal_mask(doc_ids: torch.Tensor) -> torch.Tensor:
    """Dense (batch, 1, seq, seq) boolean mask: causal and within one document."""
    seq = doc_ids.shape[1]
    causal = torch.ones(seq, seq, dtype=torch.bool, device=doc_ids.device).tril()
    same_doc = doc_ids[:, :, None] == doc_ids[:, None, :]
    return (same_doc & causal)[:, None]


def document_block_mask(doc_ids: torch.Tensor, create=None):
    """FlexAttention BlockMask for block-causal attention over packed documents; `create` is a
    compiled `create_block_mask` when the model was compiled (None: the eager one)."""
    if create is None:
        from torch.nn.attention.flex_attention import create_block_mask as create

    def mask_mod(b, h, q_idx, kv_idx):
        return (q_idx >= kv_idx) & (doc_ids[b, q_idx] == doc_ids[b, kv_idx])

    batch, seq = doc_ids.shape
    return create(mask_mod, batch, None, seq, seq, device=doc_ids.device)


class Attention(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        # a compiled FlexAttention, set on this model's blocks by training/parallelize.py (eager
        # FlexAttention materialises the whole score matrix); None: the eager one
        self.flex_attention = None
        self.n_heads, self.n_kv_heads, self.head_dim = args.n_heads, args.n_kv_heads, args.head_dim
        self.wq = nn.Linear(args.dim, args.n_heads * args.head_dim, bias=False)
        self.wk = nn.Linear(args.dim, args.n_kv_heads * args.head_dim, bias=False)
        self.wv = nn.Linear(args.dim, args.n_kv_heads * args.head_dim, bias=False)
        self.wo = nn.Linear(args.n_heads * args.head_dim, args.dim, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, mask=None) -> torch.Tensor:
        b, s, _ = x.shape
        q = self.wq(x).view(b, s, self.n_heads, self.head_dim).transpose(1, 2)
        k = self.wk(x).view(b, s, self.n_kv_heads, self.head_dim).transpose(1, 2)
        v = self.wv(x).view(b, s, self.n_kv_heads, self.head_dim).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        gqa = self.n_kv_heads != self.n_heads
        if mask is None:
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=gqa)
        elif isinstance(mask, torch.Tensor):
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=gqa)
        else:
            flex = self.flex_attention
            if flex is None:
                from torch.nn.attention.flex_attention import flex_attention as flex
            out = flex(q, k, v, block_mask=mask, enable_gqa=gqa)
        return self.wo(out.transpose(1, 2).reshape(b, s, -1))


class FeedForward(nn.Module):
    """SwiGLU MLP: w2(silu(w1 x) * w3 x); HF gate_proj = w1, up_proj = w3, down_proj = w2."""

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.w1 = nn.Linear(dim, hidden, bias=False)
        self.w2 = nn.Linear(hidden, dim, bias=False)
        self.w3 = nn.Linear(dim, hidden, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class TransformerBlock(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.attention_norm = RMSNorm(args.dim, args.norm_eps)
        self.attention = Attention(args)
        self.ffn_norm = RMSNorm(args.dim, args.norm_eps)
        self.feed_forward = FeedForward(args.dim, args.ffn_dim)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, mask=None) -> torch.Tensor:
        h = x + self.attention(self.attention_norm(x), cos, sin, mask)
        return h + self.feed_forward(self.ffn_norm(h))


class Transformer(nn.Module):
    """Token ids in, next-token logits out."""

    def __init__(self, args: ModelArgs):
        super().__init__()
        self.args = args
        self.tok_embeddings = nn.Embedding(args.vocab_size, args.dim)
        self.layers = nn.ModuleList(TransformerBlock(args) for _ in range(args.n_layers))
        self.norm = RMSNorm(args.dim, args.norm_eps)
        self.output = nn.Linear(args.dim, args.vocab_size, bias=False)
        if args.tie_embeddings:
            self.output.weight = self.tok_embeddings.weight
        self.register_buffer("inv_freq", rope_inverse_frequencies(args), persistent=False)
        # compiled kernels for this model only, set by training/parallelize.apply_compile; None: eager
        self.create_block_mask = None
        self.chunk_kernel = None

    def init_weights(self, std: float = 0.02, generator: torch.Generator | None = None) -> None:
        """Random weights as HF's `initializer_range` (0.02): normal linears and embeddings, unit norms."""
        with torch.no_grad():
            for module in self.modules():
                if isinstance(module, (nn.Linear, nn.Embedding)):
                    module.weight.normal_(0.0, std, generator=generator)
                elif isinstance(module, RMSNorm):
                    module.weight.fill_(1.0)
        self.init_buffers()

    def init_buffers(self) -> None:
        """Recompute the RoPE table: needed after `to_empty()` from the meta device, since it is not saved."""
        with torch.no_grad():
            self.inv_freq.copy_(rope_inverse_frequencies(self.args).to(self.inv_freq.device))

    def forward(
        self, tokens: torch.Tensor, doc_ids: torch.Tensor | None = None, positions: torch.Tensor | None = None,
        labels: torch.Tensor | None = None, loss_chunk: int = 0,
    ) -> torch.Tensor:
        """Logits (batch, seq, vocab); with `labels`, the mean next-token loss instead (fp32),
        computed with the head fused over `loss_chunk` tokens at a time when > 0 (training/loss.py)."""
        b, s = tokens.shape
        if positions is None:
            positions = torch.arange(s, device=tokens.device).expand(b, s)
        cos, sin = rope_cos_sin(self.inv_freq, positions)
        mask = None
        if doc_ids is not None:
            mask = (document_block_mask(doc_ids, self.create_block_mask) if self.args.attn_backend == "flex"
                    else document_causal_mask(doc_ids))
        h = self.tok_embeddings(tokens)
        for layer in self.layers:
            h = layer(h, cos, sin, mask)
        if labels is not None:
            return linear_cross_entropy(self.norm(h), self.output.weight, labels, loss_chunk, self.chunk_kernel)
        return self.output(self.norm(h))
