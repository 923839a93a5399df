"""Hugging Face Llama checkpoints in and out: `config.json` + safetensors <-> our `Transformer`.

Why our own reader instead of `LlamaForCausalLM.from_pretrained`: the trainer then needs
only torch and safetensors, loads lazily from memory-mapped files (one rank reads, FSDP
broadcasts), and the export is plain safetensors that any transformers version loads.
transformers itself is used only in tests, to prove both directions give the same logits.

Both config spellings are read: transformers < 5 (`rope_theta`, `rope_scaling`) and >= 5
(`rope_parameters`). The export writes both, so old and new transformers load it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch

from training.model import ModelArgs, Transformer

# our name -> HF name; `{i}` is the layer index
_LAYER_KEYS = {
    "attention.wq.weight": "self_attn.q_proj.weight",
    "attention.wk.weight": "self_attn.k_proj.weight",
    "attention.wv.weight": "self_attn.v_proj.weight",
    "attention.wo.weight": "self_attn.o_proj.weight",
    "feed_forward.w1.weight": "mlp.gate_proj.weight",
    "feed_forward.w3.weight": "mlp.up_proj.weight",
    "feed_forward.w2.weight": "mlp.down_proj.weight",
    "attention_norm.weight": "input_layernorm.weight",
    "ffn_norm.weight": "post_attention_layernorm.weight",
}
_TOP_KEYS = {"tok_embeddings.weight": "model.embed_tokens.weight", "norm.weight": "model.norm.weight", "output.weight": "lm_head.weight"}
_CARRIED = ("bos_token_id", "eos_token_id", "pad_token_id")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json")
_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def to_hf_name(name: str) -> str:
    if name in _TOP_KEYS:
        return _TOP_KEYS[name]
    _, i, rest = name.split(".", 2)
    return f"model.layers.{i}.{_LAYER_KEYS[rest]}"


def from_hf_name(name: str) -> str:
    top = {v: k for k, v in _TOP_KEYS.items()}
    if name in top:
        return top[name]
    parts = name.split(".", 3)
    inverse = {v: k for k, v in _LAYER_KEYS.items()}
    if len(parts) != 4 or parts[:2] != ["model", "layers"] or parts[3] not in inverse:
        raise KeyError(f"unexpected tensor {name!r} in a Llama checkpoint")
    return f"layers.{parts[2]}.{inverse[parts[3]]}"


def args_from_hf_config(config: dict, **overrides) -> ModelArgs:
    """ModelArgs from a HF `config.json` dict; refuses features our module does not implement."""
    if config.get("model_type", "llama") != "llama":
        raise ValueError(f"not a Llama checkpoint (model_type={config.get('model_type')!r})")
    if config.get("hidden_act", "silu") != "silu" or config.get("attention_bias") or config.get("mlp_bias"):
        raise ValueError("unsupported Llama variant: needs hidden_act=silu and no attention/MLP bias")
    rope = dict(config.get("rope_parameters") or {})
    theta = rope.pop("rope_theta", config.get("rope_theta", 10000.0))
    scaling = config.get("rope_scaling") or (rope if rope.get("rope_type", "default") != "default" else None)
    if scaling is not None:
        scaling = dict(scaling)
        scaling.setdefault("rope_type", scaling.pop("type", "default"))
        scaling.pop("rope_theta", None)
        if scaling["rope_type"] == "default":
            scaling = None
    args = {
        "dim": config["hidden_size"],
        "n_layers": config["num_hidden_layers"],
        "n_heads": config["num_attention_heads"],
        "n_kv_heads": config.get("num_key_value_heads"),
        "vocab_size": config["vocab_size"],
        "ffn_dim": config["intermediate_size"],
        "head_dim": config.get("head_dim"),
        "norm_eps": config.get("rms_norm_eps", 1e-6),
        "rope_theta": float(theta),
        "rope_scaling": scaling,
        "max_seq_len": config.get("max_position_embeddings", 2048),
        "tie_embeddings": bool(config.get("tie_word_embeddings", False)),
        "extra": {k: config[k] for k in _CARRIED if config.get(k) is not None},
    }
    args.update(overrides)
    return ModelArgs(**args)


def hf_config_from_args(args: ModelArgs, dtype: str = "bfloat16") -> dict:
    """A `config.json` that transformers 4.45+ and 5.x both read as this model."""
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_act": "silu",
        "hidden_size": args.dim,
        "intermediate_size": args.ffn_dim,
        "num_hidden_layers": args.n_layers,
        "num_attention_heads": args.n_heads,
        "num_key_value_heads": args.n_kv_heads,
        "head_dim": args.head_dim,
        "vocab_size": args.vocab_size,
        "rms_norm_eps": args.norm_eps,
        "max_position_embeddings": args.max_seq_len,
        "tie_word_embeddings": args.tie_embeddings,
        "attention_bias": False,
        "mlp_bias": False,
        "rope_theta": args.rope_theta,
        "rope_scaling": dict(args.rope_scaling) if args.rope_scaling else None,
        "rope_parameters": {"rope_type": "default", **(args.rope_scaling or {}), "rope_theta": args.rope_theta},
        "torch_dtype": dtype,
        "dtype": dtype,
        "initializer_range": 0.02,
        "use_cache": True,
        **args.extra,
    }
    return config


def read_hf_config(path: str | Path) -> dict:
    path = Path(path)
    file = path / "config.json" if path.is_dir() else path
    if not file.is_file():
        raise FileNotFoundError(f"{file}: no config.json (expected a Hugging Face model directory)")
    return json.loads(file.read_text())


def _weight_files(path: Path) -> list[Path]:
    index = path / "model.safetensors.index.json"
    if index.is_file():
        names = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        return [path / n for n in names]
    files = sorted(path.glob("*.safetensors"))
    if not files:
        raise FileNotFoundError(f"{path}: no *.safetensors weights (convert .bin checkpoints with transformers first)")
    return files


def load_hf_state_dict(path: str | Path, dtype: torch.dtype | None = None) -> dict[str, torch.Tensor]:
    """Our-named state dict from HF safetensors (memory-mapped; copied only when cast)."""
    from safetensors import safe_open

    state = {}
    for file in _weight_files(Path(path)):
        with safe_open(str(file), framework="pt") as f:
            for key in f.keys():  # noqa: SIM118 - safe_open is not iterable
                if key.endswith("rotary_emb.inv_freq"):
                    continue
                tensor = f.get_tensor(key)
                state[from_hf_name(key)] = tensor.to(dtype) if dtype is not None else tensor
    return state


def load_hf_into(model: Transformer, path: str | Path) -> None:
    """Copy HF weights into an existing model (shapes must match; dtypes follow the model)."""
    state = load_hf_state_dict(path)
    if model.args.tie_embeddings:
        state.pop("output.weight", None)
        state["output.weight"] = state["tok_embeddings.weight"]
    elif "output.weight" not in state:
        raise ValueError(f"{path}: untied model but no lm_head.weight in the checkpoint")
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(f"{path}: checkpoint does not fit the model (missing {missing[:4]}, unexpected {unexpected[:4]})")


def load_hf_model(path: str | Path, dtype: torch.dtype = torch.float32, **overrides) -> Transformer:
    """Build a Transformer from a HF directory and load its weights (CPU, single process)."""
    args = args_from_hf_config(read_hf_config(path), **overrides)
    model = Transformer(args).to(dtype)
    load_hf_into(model, path)
    return model


def export_hf(
    state: dict[str, torch.Tensor],
    args: ModelArgs,
    out_dir: str | Path,
    dtype: str = "bfloat16",
    tokenizer_dir: str | Path | None = None,
    max_shard_bytes: int = 5 * 1024**3,
) -> Path:
    """Write a HF model directory from a full (unsharded) our-named state dict.

    Shards above `max_shard_bytes` (5 GB, as `save_pretrained`'s default) with a
    `model.safetensors.index.json`. Copies the tokenizer files found in `tokenizer_dir`, so
    an expanded vocabulary travels with the weights that were trained for it.
    """
    from safetensors.torch import save_file

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch_dtype = _DTYPES[dtype]
    tensors = {}
    for name, tensor in state.items():
        if name == "output.weight" and args.tie_embeddings:
            continue
        tensors[to_hf_name(name)] = tensor.detach().to("cpu", torch_dtype).contiguous()
    shards: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for name in sorted(tensors):
        nbytes = tensors[name].numel() * tensors[name].element_size()
        if shards[-1] and size + nbytes > max_shard_bytes:
            shards.append({})
            size = 0
        shards[-1][name] = tensors[name]
        size += nbytes
    metadata = {"format": "pt"}
    if len(shards) == 1:
        save_file(shards[0], str(out / "model.safetensors"), metadata=metadata)
    else:
        weight_map = {}
        for i, shard in enumerate(shards, 1):
            name = f"model-{i:05d}-of-{len(shards):05d}.safetensors"
            save_file(shard, str(out / name), metadata=metadata)
            weight_map.update({k: name for k in shard})
        total = sum(t.numel() * t.element_size() for t in tensors.values())
        index = {"metadata": {"total_size": total}, "weight_map": weight_map}
        (out / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))
    (out / "config.json").write_text(json.dumps(hf_config_from_args(args, dtype), indent=2))
    generation = {k: args.extra[k] for k in _CARRIED if k in args.extra}
    (out / "generation_config.json").write_text(json.dumps(generation, indent=2))
    if tokenizer_dir is not None:
        copy_tokenizer_files(tokenizer_dir, out)
    return out


def copy_tokenizer_files(source: str | Path, out_dir: str | Path) -> list[str]:
    """Copy a tokenizer into a HF model directory.

    `source` is a directory or one file; for a file, its standard-named siblings
    (tokenizer.json beside tokenizer.model, as the tokenizer stage writes them) come too, and
    a non-standard name (`ja.model`) is copied as `tokenizer.model` / `tokenizer.json`.
    """
    source, out_dir = Path(source), Path(out_dir)
    folder = source if source.is_dir() else source.parent
    pairs = {n: folder / n for n in TOKENIZER_FILES if (folder / n).is_file()}
    if source.is_file() and source.name not in TOKENIZER_FILES:
        pairs["tokenizer.json" if source.suffix == ".json" else "tokenizer.model"] = source
    for name, file in pairs.items():
        shutil.copy2(file, out_dir / name)
    return sorted(pairs)


def save_random_init(args: ModelArgs, out_dir: str | Path, seed: int = 0, dtype: str = "float32") -> Path:
    """Random Llama weights in HF format: the demo's stand-in for downloaded Llama weights,
    so the trainer's load-from-HF path runs even offline."""
    torch.manual_seed(seed)
    model = Transformer(args)
    model.init_weights()
    return export_hf(model.state_dict(), args, out_dir, dtype=dtype)
