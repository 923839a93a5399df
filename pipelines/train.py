"""The `train` stage: continue pre-training a Llama on the tokenize stage's token shards.

Reads the `.bin/.idx` shards and `metadata.json` (which names the tokenizer) from the
tokenize stage; writes `checkpoints/` (torch.distributed.checkpoint), `hf/` (safetensors +
config + tokenizer, loadable by transformers), `metrics.jsonl` and `train_config.json`.

Without `init_from`, the stage first writes random weights of the config's tiny Llama
shape in Hugging Face format (`init_hf/`) and continues from those, so the demo runs the
same "Llama weights in" path a user runs with real weights. Documents are all kept:
training excludes nothing, so in = kept = documents in the shards.

torch is imported inside `run`: the pipeline imports without the `train` extra.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from corpus.config import Strict
from corpus.stage import FunctionStage, StageContext

ROOT = Path(__file__).resolve().parent.parent


class Options(Strict):
    config: str = Field("training/configs/tiny.yaml", description="training YAML; relative paths also resolve "
                        "against the project root (training/configs/ has tiny, llama3.2-1b, llama3.2-3b, llama3.1-8b)")
    init_from: str | None = Field(None, description="HF Llama directory to continue from; None = random "
                                  "init of the config's shape, saved in HF format first")
    max_steps: int | None = Field(None, ge=1, description="overrides training.max_steps")
    seq_len: int | None = Field(None, ge=8, description="overrides data.seq_len")
    batch_size: int | None = Field(None, ge=1, description="overrides data.batch_size")
    device: Literal["auto", "cpu", "cuda"] | None = Field(None, description="overrides training.device")
    set: dict[str, Any] = Field(default_factory=dict, description="more overrides as section.key: value "
                                "(e.g. optim.lr: 1.0e-4)")


def _config_path(name: str) -> Path:
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
    """vocab size and bos/eos ids: from metadata.json when recorded, else from the tokenizer."""
    facts = {"vocab_size": meta.get("vocab_size"), "bos_token_id": meta.get("bos_id", meta.get("bos_token_id")),
             "eos_token_id": meta.get("eos_id", meta.get("eos_token_id"))}
    if tokenizer is not None and facts["vocab_size"] is None:
        file = tokenizer
        if tokenizer.is_dir():
            file = next((tokenizer / n for n in ("tokenizer.json", "tokenizer.model") if (tokenizer / n).is_file()),
                        next(iter(sorted(tokenizer.glob("*.model"))), tokenizer))
        if file.suffix == ".json":
            from tokenizers import Tokenizer

            facts["vocab_size"] = Tokenizer.from_file(str(file)).get_vocab_size()
        elif file.suffix == ".model":
            import sentencepiece as spm

            sp = spm.SentencePieceProcessor(model_file=str(file))
            facts["vocab_size"] = sp.get_piece_size()
            facts["bos_token_id"] = facts["bos_token_id"] if facts["bos_token_id"] is not None else (sp.bos_id() if sp.bos_id() >= 0 else None)
            facts["eos_token_id"] = facts["eos_token_id"] if facts["eos_token_id"] is not None else (sp.eos_id() if sp.eos_id() >= 0 else None)
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
    from corpus.megatron_format import source_name

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


def _expansion_mapping(config, tokenizer: Path | None, facts: dict) -> Path | None:
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


def run(ctx: StageContext) -> dict:
    import numpy as np

    from training.config import load_config
    from corpus.megatron_format import TokenShard
    from training.hf_io import save_random_init
    from training.model import ModelArgs
    from training.trainer import Trainer, group_shards
    from training.vocab_expansion import padded_size

    opts: Options = ctx.options
    groups = group_shards(ctx.inputs)
    if not groups:
        raise ValueError("train: no token shards (.bin/.idx) among the inputs; give the tokenize stage's output")
    meta, meta_dir = _metadata(ctx.inputs)
    tokenizer = _tokenizer_path(meta, meta_dir)
    facts = _tokenizer_facts(tokenizer, meta)
    shards = {name: [TokenShard(p) for p in prefixes] for name, prefixes in groups.items()}
    n_docs = sum(len(s) for ss in shards.values() for s in ss)

    overrides: dict[str, Any] = {"data.paths": [], **opts.set}
    weights = _source_weights(meta)
    if weights:
        overrides.setdefault("data.weights", weights)
    for key, value in (("training.max_steps", opts.max_steps), ("data.seq_len", opts.seq_len),
                       ("data.batch_size", opts.batch_size), ("training.device", opts.device),
                       ("model.init_from", opts.init_from)):
        if value is not None:
            overrides[key] = value
    if tokenizer is not None:
        overrides.setdefault("vocab.tokenizer", str(tokenizer))
    config_file = _config_path(opts.config)
    config = load_config(config_file, overrides)
    mapping = _expansion_mapping(config, tokenizer, facts)
    if mapping is not None:
        ctx.say(f"[train] the shards use an expanded vocabulary: growing the model with {mapping}")
        overrides["vocab.mapping"] = str(mapping)
        config = load_config(config_file, overrides)
    if config.model.init_from is None:
        top = max((int(np.max(s.tokens)) for ss in shards.values() for s in ss if len(s.tokens)), default=0)
        shape = dict(config.model.shape)
        shape["vocab_size"] = padded_size(max(int(facts.get("vocab_size", 0)), top + 1), config.vocab.pad_to_multiple)
        shape["extra"] = {k: facts[k] for k in ("bos_token_id", "eos_token_id") if k in facts}
        init_dir = save_random_init(ModelArgs(**shape), ctx.stage_dir / "init_hf", seed=config.training.seed)
        ctx.say(f"[train] no init_from: wrote random {shape['n_layers']}-layer Llama weights in HF format to {init_dir}")
        config = load_config(config_file, {**overrides, "model.init_from": str(init_dir)})

    from corpus.config import ConfigError
    from training.checkpoint import CheckpointRefused

    try:
        result = Trainer(config, ctx.stage_dir, groups, chars_per_token=_chars_per_token(meta), quiet=ctx.quiet).train()
    except CheckpointRefused as err:  # one line and exit 2, never a traceback
        raise ConfigError(f"train: {err}") from None
    losses = result.losses
    val = list(result.val_losses.values())
    return {
        "documents": {"in": n_docs, "kept": n_docs, "excluded": 0},
        "excluded_by_reason": {},
        "figures": {
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
            "init_from": config.model.init_from,
            "tokenizer": str(tokenizer) if tokenizer else None,
            "checkpoint": result.checkpoint,
            "hf_export": result.export_dir,
            "sources": {name: {"documents": sum(len(s) for s in ss),
                               "tokens": int(sum(int(s.lengths.sum(dtype=np.int64)) for s in ss)),
                               "weight": config.data.weights.get(name)}
                        for name, ss in shards.items()},
        },
    }


STAGE = FunctionStage(
    name="train",
    options=Options,
    reads="token shards (.bin/.idx) from the tokenize stage",
    writes="checkpoints, HF export, metrics",
    run=run,
)
