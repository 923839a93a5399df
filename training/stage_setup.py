"""What a training run takes from the tokenize stage's output, and its config, loaded once.

The tokenize stage writes token shards per source and a `metadata.json` that names the
tokenizer, its vocabulary size and BOS/EOS ids, the characters and tokens per source and
the Megatron `--data-path` weights. A run on that output needs: the shards grouped by
source, the tokenizer (copied into the HF export), the source weights, the vocabulary
mapping when the tokenizer was expanded beyond the weights we continue from, and, with no
weights to continue from, random weights of the config's shape saved in HF format first
(so the demo runs the "Llama weights in" path a user runs with real weights).

`prepare` does all of that and reads the training YAML once: what the shards decide after
loading (the mapping, the random init) is set on the validated config, not by loading it
again. The `train` stage (pipelines/train.py) and nothing else in the pipeline calls it;
torch is imported only where weights are written, and nothing here imports datatrove (the
GPU machine has none).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from corpus.formats.megatron_format import TokenShard, group_shards, source_name
from training.config import TrainConfig, load_config

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Setup:
    """A run ready to train: the validated config and what was read from the shards."""

    config: TrainConfig
    groups: dict[str, list[str]]
    """source name -> shard prefixes"""
    shards: dict[str, list[TokenShard]]
    tokenizer: Path | None
    chars_per_token: float | None

    @property
    def documents(self) -> int:
        return sum(len(s) for ss in self.shards.values() for s in ss)


def config_path(name: str) -> Path:
    """A training YAML as given, else relative to the project root (`training/configs/tiny.yaml`)."""
    path = Path(name)
    if path.is_file() or path.is_absolute():
        return path
    return ROOT / name


def _metadata(inputs: list[str]) -> tuple[dict, Path | None]:
    for p in map(Path, inputs):
        if p.name == "metadata.json":
            return json.loads(p.read_text(encoding="utf-8")), p.parent
    return {}, None


def _tokenizer_path(meta: dict, base: Path | None) -> Path | None:
    """The tokenizer named in metadata.json, as a path or {path: ...}; relative to metadata.json."""
    for key in ("tokenizer", "tokenizer_path", "tokenizer_file", "tokenizer_model"):
        value = meta.get(key)
        if isinstance(value, dict):
            value = value.get("path") or value.get("file")
        if isinstance(value, str):
            path = Path(value)
            for candidate in ([path] if path.is_absolute() else [base / path if base else path, path]):
                if candidate.exists():
                    return candidate
    return None


def _tokenizer_facts(tokenizer: Path | None, meta: dict) -> dict:
    """vocab size and bos/eos ids: from metadata.json when recorded, else from the tokenizer,
    loaded the way tokenize and evaluate load it (`tokenizer.backends`: the same file of a
    folder, the same count of added tokens)."""
    facts = {"vocab_size": meta.get("vocab_size"), "bos_token_id": meta.get("bos_id", meta.get("bos_token_id")),
             "eos_token_id": meta.get("eos_id", meta.get("eos_token_id"))}
    if tokenizer is not None and facts["vocab_size"] is None:
        from tokenizer.backends import load_tokenizer

        tok = load_tokenizer(tokenizer)
        facts["vocab_size"] = tok.vocab_size
        for key, found in (("bos_token_id", tok.bos_id), ("eos_token_id", tok.eos_id)):
            if facts[key] is None:
                facts[key] = found
    return {k: v for k, v in facts.items() if v is not None}


def _chars_per_token(meta: dict) -> float | None:
    chars, tokens = meta.get("characters"), meta.get("tokens")
    if isinstance(chars, dict):
        chars = sum(chars.values())
    if isinstance(tokens, dict):
        tokens = sum(tokens.values())
    return chars / tokens if isinstance(chars, (int, float)) and isinstance(tokens, (int, float)) and tokens else None


def _source_weights(meta: dict) -> dict[str, float]:
    """Per-source weight multipliers recovered from the tokenize stage's Megatron `--data-path`
    (`[w1, prefix1, ...]`, w = source weight x the file's share of all tokens)."""
    path = meta.get("megatron_data_path") or []
    sources = meta.get("sources") or {}
    total = sum(float(v.get("tokens", 0)) for v in sources.values() if isinstance(v, dict))
    shares: dict[str, float] = {}
    for weight, prefix in zip(path[::2], path[1::2]):
        name = source_name(str(prefix))
        shares[name] = shares.get(name, 0.0) + float(weight)
    weights = {}
    for name, share in shares.items():
        tokens = float((sources.get(name) or {}).get("tokens", 0))
        if tokens and total:
            weights[name] = round(share / (tokens / total), 6)
    return weights


def _expansion_mapping(config: TrainConfig, tokenizer: Path | None, facts: dict) -> Path | None:
    """`vocab_mapping.json` of `jacorpus tokenizer expand`, when the shards' tokenizer is
    bigger than the weights we continue from and the mapping sits beside that tokenizer."""
    if config.vocab.mapping or not config.model.init_from or tokenizer is None or "vocab_size" not in facts:
        return None
    from training.hf_io import read_hf_config

    folder = tokenizer if tokenizer.is_dir() else tokenizer.parent
    mapping = folder / "vocab_mapping.json"
    if mapping.is_file() and read_hf_config(config.model.init_from)["vocab_size"] < int(facts["vocab_size"]):
        return mapping
    return None


def _random_init(config: TrainConfig, shards: dict[str, list[TokenShard]], facts: dict, out_dir: Path) -> Path:
    """Random weights of the config's shape, its vocabulary covering the tokenizer and every
    token id in the shards, saved in HF format under `out_dir/init_hf`."""
    import numpy as np

    from training.hf_io import save_random_init
    from training.model import ModelArgs
    from training.vocab_expansion import padded_size

    top = max((int(np.max(s.tokens)) for ss in shards.values() for s in ss if len(s.tokens)), default=0)
    shape = dict(config.model.shape)
    shape["vocab_size"] = padded_size(max(int(facts.get("vocab_size", 0)), top + 1), config.vocab.pad_to_multiple)
    shape["extra"] = {k: facts[k] for k in ("bos_token_id", "eos_token_id") if k in facts}
    return save_random_init(ModelArgs(**shape), out_dir / "init_hf", seed=config.training.seed)


def prepare(inputs: list[str], config_file: str | Path, overrides: dict[str, Any], out_dir: Path,
            say: Callable[[str], None] = print) -> Setup:
    """The config (YAML + `overrides` + what the shards say) and the shards of one run on the
    tokenize stage's output (`inputs`: its files, `metadata.json` among them)."""
    groups = group_shards(inputs)
    if not groups:
        raise ValueError("train: no token shards (.bin/.idx) among the inputs; give the tokenize stage's output")
    meta, meta_dir = _metadata(inputs)
    tokenizer = _tokenizer_path(meta, meta_dir)
    facts = _tokenizer_facts(tokenizer, meta)
    shards = {name: [TokenShard(p) for p in prefixes] for name, prefixes in groups.items()}

    overrides = {"data.paths": [], **overrides}
    if weights := _source_weights(meta):
        overrides.setdefault("data.weights", weights)
    if tokenizer is not None:
        overrides.setdefault("vocab.tokenizer", str(tokenizer))
    config = load_config(config_path(str(config_file)), overrides)
    if (mapping := _expansion_mapping(config, tokenizer, facts)) is not None:
        say(f"[train] the shards use an expanded vocabulary: growing the model with {mapping}")
        config = dataclasses.replace(config, vocab=dataclasses.replace(config.vocab, mapping=str(mapping)))
    if config.model.init_from is None:
        init_dir = _random_init(config, shards, facts, out_dir)
        say(f"[train] no init_from: wrote random {config.model.shape['n_layers']}-layer Llama weights in HF "
            f"format to {init_dir}")
        config = dataclasses.replace(config, model=dataclasses.replace(config.model, init_from=str(init_dir)))
    return Setup(config, groups, shards, tokenizer, _chars_per_token(meta))


def run_figures(setup: Setup, result: Any) -> dict:
    """The train stage's report figures from a finished `Trainer.train()` result."""
    import numpy as np

    losses = result.losses
    val = list(result.val_losses.values())
    return {
        "steps": result.steps,
        "resumed_from": result.resumed_from,
        "loss_first": losses[0] if losses else None,
        "loss_last": losses[-1] if losses else None,
        "val_loss_first": val[0] if val else None,
        "val_loss_last": val[-1] if val else None,
        "tokens_trained": result.tokens,
        "tokens_per_s": round(result.tokens_per_s, 1),
        "mfu": result.mfu,
        "train_seconds": round(result.train_seconds, 3),
        "parameters": result.params,
        "init_from": setup.config.model.init_from,
        "tokenizer": str(setup.tokenizer) if setup.tokenizer else None,
        "checkpoint": result.checkpoint,
        "hf_export": result.export_dir,
        "sources": {name: {"documents": sum(len(s) for s in ss),
                           "tokens": int(sum(int(s.lengths.sum(dtype=np.int64)) for s in ss)),
                           "weight": setup.config.data.weights.get(name)}
                    for name, ss in setup.shards.items()},
    }
