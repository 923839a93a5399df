"""The trainer's configuration: one `kw_only`, `slots` dataclass per component, composed in
`TrainConfig`, loaded from `training/configs/*.yaml` and checked before any work starts.

Why dataclasses and not the pipeline's pydantic models: the trainer is an optional extra
that also runs under `torchrun` on GPU machines, and torchtitan's pattern (a documented
`Config` per component, validated in `__post_init__`, saved beside the outputs) keeps each
knob next to the code that reads it. Unknown keys and bad values are reported as
`FILE:LINE: section.key: message`, like every other config in the project.

Defaults cite their source: Llama 2 paper (arXiv:2307.09288) for AdamW betas/eps/decay,
Swallow (arXiv:2404.17790) for continued pre-training learning rates, torchtitan
`llama3_8b.toml` for warm-up, clipping and activation checkpointing.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.config import ConfigError, load_yaml
from corpus.overrides import apply_overrides


@dataclass(kw_only=True, slots=True)
class ModelConfig:
    init_from: str | None = None
    """Hugging Face Llama directory (config.json + safetensors) to continue from; None = random init of `shape`"""
    shape: dict = field(default_factory=dict)
    """`training.model.ModelArgs` fields for a random init (ignored when init_from is set)"""
    attn_backend: str = "auto"
    """auto (flex on CUDA, sdpa on CPU), sdpa, or flex"""
    document_masking: bool = True
    """no attention across packed documents (Llama 3 paper, sec. 3.2)"""

    def __post_init__(self) -> None:
        _choice("model.attn_backend", self.attn_backend, ("auto", "sdpa", "flex"))
        if self.init_from is None and not self.shape:
            raise ValueError("give init_from (a HF directory) or shape (for a random init)")
        if self.init_from is None:
            self.shape = _checked_shape(self.shape)


def _checked_shape(shape: dict) -> dict:
    """`shape` with each value checked against `ModelArgs` (ints widened where floats are declared),
    so a bad key or a string number is a config error naming `model.shape.KEY`, not a failure
    inside the model. The model module (and torch) is imported only when a shape is used."""
    from training.model import ModelArgs

    known = {f.name for f in dataclasses.fields(ModelArgs)}
    for key in shape:
        if key not in known:
            raise ValueError(f"model.shape.{key} unknown key (expected one of {', '.join(sorted(known))})")
    try:
        args = ModelArgs(**shape)
    except (TypeError, ValueError) as err:
        name, sep, message = str(err).partition(": ")
        if sep and name.split(".")[0] in known:
            raise ValueError(f"model.shape.{name} {message}") from None
        raise ValueError(f"model.shape {err}") from None  # shown as `model.shape: <err>`
    return {key: getattr(args, key) for key in shape}


@dataclass(kw_only=True, slots=True)
class DataConfig:
    paths: list = field(default_factory=list)
    """token shard prefixes or files (.bin/.idx); the train stage fills them from the tokenize stage"""
    weights: dict = field(default_factory=dict)
    """source name -> multiplier of its natural (token-proportional) share: 1.0 natural, 2.0 seen twice
    as often (the tokenize stage's convention); sources not named get 1.0"""
    seq_len: int = 2048
    batch_size: int = 1
    """sequences per micro-batch per rank"""
    seed: int = 1234
    val_fraction: float = 0.05
    """documents held out per source for validation loss (at least one when a source has two)"""

    def __post_init__(self) -> None:
        _positive("data.seq_len", self.seq_len)
        _positive("data.batch_size", self.batch_size)
        if not 0.0 <= self.val_fraction < 1.0:
            raise ValueError(f"data.val_fraction must be in [0, 1), got {self.val_fraction}")
        if any(w < 0 for w in self.weights.values()):
            raise ValueError("data.weights must be >= 0")


@dataclass(kw_only=True, slots=True)
class OptimConfig:
    lr: float = 1e-4
    """peak LR; Swallow used 1e-4 for Llama 2 7B/13B continued pre-training"""
    min_lr_ratio: float = 0.1
    """final LR = lr * min_lr_ratio (Llama 2 paper: decay to 10% of peak)"""
    weight_decay: float = 0.1
    betas: list = field(default_factory=lambda: [0.9, 0.95])
    eps: float = 1e-8
    """Llama 2 paper uses 1e-5; torch's default 1e-8 is safer with fp32 master weights"""
    schedule: str = "cosine"
    """cosine, wsd (warm-up, stable, decay; MiniCPM arXiv:2404.06395) or constant"""
    warmup_steps: int = 200
    decay_fraction: float = 0.2
    """WSD: share of steps in the final linear decay"""
    max_grad_norm: float = 1.0
    fused: bool | None = None
    """fused AdamW; None = on for CUDA"""

    def __post_init__(self) -> None:
        _choice("optim.schedule", self.schedule, ("cosine", "wsd", "constant"))
        if self.lr <= 0 or not 0 <= self.min_lr_ratio <= 1:
            raise ValueError("optim.lr must be > 0 and optim.min_lr_ratio in [0, 1]")
        if len(self.betas) != 2:
            raise ValueError("optim.betas takes two numbers")
        if self.warmup_steps < 0 or not 0 < self.decay_fraction <= 1:
            raise ValueError("optim.warmup_steps must be >= 0 and optim.decay_fraction in (0, 1]")


@dataclass(kw_only=True, slots=True)
class TrainingConfig:
    max_steps: int = 1000
    grad_accum: int = 1
    """micro-batches per optimizer step"""
    dtype: str = "bfloat16"
    """compute dtype: bfloat16 (fp32 master weights, autocast or FSDP2 mixed precision) or float32 (bit-exact on CPU)"""
    device: str = "auto"
    """auto, cpu or cuda"""
    seed: int = 0
    nan_policy: str = "stop"
    """non-finite loss or gradient: stop (raise with the step) or skip (drop the update)"""
    max_skipped: int = 10
    """with nan_policy=skip: stop after this many skipped steps"""
    threads: int | None = None
    """torch CPU threads; None = torch's default"""
    loss_chunk: int = 0
    """0: whole logits, then fp32 cross-entropy; N: output head fused with the loss over N tokens at a
    time, so (tokens x vocab) logits never exist whole (Liger-Kernel's fused linear cross-entropy;
    training/loss.py). 1024-4096 for a 128k vocabulary"""

    def __post_init__(self) -> None:
        _positive("training.max_steps", self.max_steps)
        _positive("training.grad_accum", self.grad_accum)
        _choice("training.dtype", self.dtype, ("bfloat16", "float32"))
        _choice("training.device", self.device, ("auto", "cpu", "cuda"))
        _choice("training.nan_policy", self.nan_policy, ("stop", "skip"))
        if self.loss_chunk < 0:
            raise ValueError(f"training.loss_chunk must be >= 0, got {self.loss_chunk}")


@dataclass(kw_only=True, slots=True)
class ParallelConfig:
    fsdp: str | bool = "auto"
    """auto (FSDP2 fully_shard when world size > 1), on, or off (YAML's bare on/off read as booleans too)"""
    compile: bool = False
    """torch.compile each block (GPU)"""
    activation_checkpointing: str = "none"
    """none, full (every block) or selective (every `ac_every`-th block; torchtitan's layer-SAC)"""
    ac_every: int = 2
    float8: bool = False
    """FP8 matmuls in the blocks' linears via torchao `convert_to_float8_training` (tensorwise
    scaling, torchtitan's default); the output head stays bf16. Needs torchao and a GPU with
    compute capability >= 8.9 (H100/H200); CPU emulates it (tests)"""

    def __post_init__(self) -> None:
        if isinstance(self.fsdp, bool):
            self.fsdp = "on" if self.fsdp else "off"
        _choice("parallel.fsdp", self.fsdp, ("auto", "on", "off"))
        _choice("parallel.activation_checkpointing", self.activation_checkpointing, ("none", "full", "selective"))
        _positive("parallel.ac_every", self.ac_every)


@dataclass(kw_only=True, slots=True)
class CheckpointConfig:
    enabled: bool = True
    """False: no checkpoints at all (benchmarks, smoke runs)"""
    interval: int = 500
    """save every N steps (and at the end); 0 = only at the end"""
    keep_last: int = 3
    """checkpoints kept on disk; 0 = keep all"""
    async_save: bool = True
    """torch.distributed.checkpoint.async_save when a process group is up; else a blocking save"""
    resume: str = "auto"
    """auto (latest in the output dir), none, or a checkpoint directory"""
    export_hf: bool = True
    export_dtype: str = "bfloat16"
    """dtype of the exported safetensors; float32 keeps logits bit-identical to training on CPU"""

    def __post_init__(self) -> None:
        if self.interval < 0 or self.keep_last < 0:
            raise ValueError("checkpoint.interval and checkpoint.keep_last must be >= 0")
        _choice("checkpoint.export_dtype", self.export_dtype, ("bfloat16", "float32", "float16"))


@dataclass(kw_only=True, slots=True)
class MetricsConfig:
    log_interval: int = 10
    tensorboard: bool = True
    """write TensorBoard event files when the `tensorboard` package is installed"""
    wandb: bool = False
    """log to Weights & Biases when installed (offline unless WANDB_MODE says otherwise)"""
    wandb_project: str = "jacorpus"

    def __post_init__(self) -> None:
        _positive("metrics.log_interval", self.log_interval)


@dataclass(kw_only=True, slots=True)
class EvalConfig:
    interval: int = 500
    """validation loss every N steps (and at the end); 0 = only at the end"""
    batches: int = 8
    """micro-batches of held-out data per validation"""

    def __post_init__(self) -> None:
        if self.interval < 0 or self.batches < 0:
            raise ValueError("eval.interval and eval.batches must be >= 0")


@dataclass(kw_only=True, slots=True)
class VocabConfig:
    mapping: str | None = None
    """new-token -> base-pieces mapping from `jacorpus tokenizer expand`; None = no expansion"""
    tokenizer: str | None = None
    """tokenizer file or dir copied into the HF export (the expanded one when expanding)"""
    pad_to_multiple: int = 64
    """round the vocabulary up (tensor-core friendly; Llama 3 uses 128256 = 1002 * 128)"""
    new_rows_warmup_steps: int = 0
    """train only the new embedding/output rows for this many first steps (Swallow-style warm-up)"""

    def __post_init__(self) -> None:
        _positive("vocab.pad_to_multiple", self.pad_to_multiple)
        if self.new_rows_warmup_steps < 0:
            raise ValueError("vocab.new_rows_warmup_steps must be >= 0")


@dataclass(kw_only=True, slots=True)
class TrainConfig:
    model: ModelConfig
    data: DataConfig = field(default_factory=DataConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    parallel: ParallelConfig = field(default_factory=ParallelConfig)
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    vocab: VocabConfig = field(default_factory=VocabConfig)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _positive(name: str, value: int) -> None:
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")


def _choice(name: str, value: str, allowed: tuple) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")


def _type_ok(value: Any, annotation: Any) -> bool:
    hint = eval(annotation, vars(typing)) if isinstance(annotation, str) else annotation
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    for option in options:
        if option is type(None) and value is None:
            return True
        if option is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return True
        if option is int and isinstance(value, int) and not isinstance(value, bool):
            return True
        if option in (bool, str, dict, list) and isinstance(value, option):
            return True
    return False


def build_section(cls: type, data: Any, where: str) -> Any:
    """One section from a mapping: unknown keys and wrong types are errors, then `__post_init__` checks."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping")
    known = {f.name: f for f in dataclasses.fields(cls)}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{where}.{key}: unknown key (expected one of {', '.join(known)})".lstrip("."))
        if not _type_ok(value, known[key].type):
            raise ConfigError(f"{where}.{key}: expected {known[key].type}, got {value!r}".lstrip("."))
    return cls(**data)


_SECTIONS = {
    "model": ModelConfig, "data": DataConfig, "optim": OptimConfig, "training": TrainingConfig,
    "parallel": ParallelConfig, "checkpoint": CheckpointConfig, "metrics": MetricsConfig,
    "eval": EvalConfig, "vocab": VocabConfig,
}


def config_from_dict(data: dict, file: str = "<config>", lines: dict | None = None) -> TrainConfig:
    """A validated TrainConfig; errors name the file, the line and the key."""
    lines = lines or {}

    def fail(path: tuple, message: str):
        line = next((lines[path[:cut]] for cut in range(len(path), 0, -1) if path[:cut] in lines), None)
        raise ConfigError(f"{file}{':' + str(line) if line else ''}: {'.'.join(path)}: {message}") from None

    if not isinstance(data, dict):
        raise ConfigError(f"{file}:1: a training config is a mapping of sections ({', '.join(_SECTIONS)})")
    if "model" not in data:
        raise ConfigError(f"{file}: model: missing section")
    sections = {}
    for name, value in data.items():
        if name not in _SECTIONS:
            fail((name,), f"unknown section (expected one of {', '.join(_SECTIONS)})")
        try:
            sections[name] = build_section(_SECTIONS[name], value or {}, name)
        except ConfigError as err:
            key = str(err).split(":", 1)[0]
            fail(tuple(key.split(".")), str(err).split(":", 1)[1].strip())
        except (ValueError, TypeError) as err:
            first, _, rest = str(err).partition(" ")
            if first.startswith(name + ".") and rest:
                fail(tuple(first.split(".")), rest)
            fail((name,), str(err))
    try:
        return TrainConfig(**sections)
    except ValueError as err:
        raise ConfigError(f"{file}: {err}") from None


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """The config in `path` with `overrides` (dotted `section.key` paths, `corpus.overrides`) applied."""
    data, lines = load_yaml(path)
    for dotted in overrides or {}:
        if len(dotted.split(".")) < 2:
            raise ConfigError(f"override {dotted!r}: use section.key")
    return config_from_dict(apply_overrides(data or {}, overrides or {}), str(path), lines)
