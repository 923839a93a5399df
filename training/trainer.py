"""The continued pre-training run: set up, resume, step, validate, checkpoint, export.

`Trainer(config, out_dir).train()` reads as the run does: Llama weights in (HF safetensors,
or a random init of a named shape), vocabulary expansion if a mapping is given, AC /
compile / FSDP2 applied from outside the model, token shards packed with document
masking, then the loop with NaN/inf policy, validation loss on held-out documents,
DCP checkpoints that resume exactly, and a HF export with the tokenizer beside it.
Runs the same under `torchrun --nproc_per_node N` (one process per GPU) and on one CPU.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from training.checkpoint import Checkpointer, full_model_state, load_full_model_state
from training.config import TrainConfig
from corpus.formats.megatron_format import group_shards
from training.data import (
    PackedBatches,
    load_sources,
    validation_batches,
)
from training.hf_io import (
    args_from_hf_config,
    export_hf,
    load_hf_state_dict,
    read_hf_config,
)
from training.loop import forward_backward, grad_norm_and_clip, lr_at, validation_loss
from training.metrics import MetricsLogger, Throughput, memory_gib, total_params
from training.model import ModelArgs, Transformer
from training.parallelize import (
    autocast_context,
    compute_dtype,
    parallelize,
    setup_world,
    teardown,
    use_fsdp,
)
from training.vocab_expansion import (
    NewRowsWarmup,
    expand_state_dict,
    load_mapping,
    padded_size,
)


class NonFiniteLoss(RuntimeError):
    """Loss or gradient norm became NaN/inf and the policy says stop (or too many skips)."""


@dataclass
class TrainResult:
    steps: int = 0
    start_step: int = 0
    losses: list[float] = field(default_factory=list)
    """loss of every step this run took, from start_step on"""
    val_losses: dict[int, float] = field(default_factory=dict)
    skipped_steps: list[int] = field(default_factory=list)
    tokens: int = 0
    tokens_per_s: float = 0.0
    mfu: float | None = None
    train_seconds: float = 0.0
    resumed_from: str | None = None
    checkpoint: str | None = None
    export_dir: str | None = None
    params: int = 0


class Trainer:
    def __init__(self, config: TrainConfig, out_dir: str | Path, groups: dict[str, list[str]] | None = None,
                 chars_per_token: float | None = None, quiet: bool = False):
        self.cfg, self.out_dir, self.quiet = config, Path(out_dir), quiet
        self.groups = groups if groups is not None else group_shards(config.data.paths)
        if not self.groups:
            raise ValueError(f"no token shards (.bin/.idx) found in {config.data.paths}")
        self.chars_per_token = chars_per_token
        self.step = 0
        self.skipped: list[int] = []

    # -- set-up -------------------------------------------------------------------------
    def _initial_state(self) -> tuple[ModelArgs, dict[str, torch.Tensor] | None]:
        """Model shape for every rank; full weights on rank 0 only (FSDP broadcasts them)."""
        mc = self.cfg.model
        main = self.world.is_main or not self.fsdp
        if mc.init_from:
            args = args_from_hf_config(read_hf_config(mc.init_from))
            state = load_hf_state_dict(mc.init_from, dtype=torch.float32) if main else None
        else:
            args = ModelArgs(**mc.shape)
            state = None
            if main:
                torch.manual_seed(self.cfg.training.seed)
                model = Transformer(args)
                model.init_weights()
                state = model.state_dict()
        if self.cfg.vocab.new_rows_warmup_steps and not self.cfg.vocab.mapping:
            raise ValueError("vocab.new_rows_warmup_steps needs vocab.mapping (the tokenizer stage's vocab_mapping.json)")
        self.mapping = load_mapping(self.cfg.vocab.mapping) if self.cfg.vocab.mapping else None
        if self.mapping is not None and args.vocab_size >= padded_size(self.mapping.vocab_size, self.cfg.vocab.pad_to_multiple):
            self._say(f"model vocabulary {args.vocab_size} already covers the expanded tokenizer; not expanding again")
            self.mapping = None
        if self.mapping is not None:
            if state is not None:
                state, args = expand_state_dict(state, args, self.mapping, self.cfg.vocab.pad_to_multiple)
            else:
                _, args = expand_state_dict({"tok_embeddings.weight": torch.zeros(args.vocab_size, 1)},
                                            args, self.mapping, self.cfg.vocab.pad_to_multiple)
        backend = mc.attn_backend if mc.attn_backend != "auto" else ("flex" if self.world.device.type == "cuda" else "sdpa")
        if backend == "flex" and self.world.device.type == "cpu" and mc.document_masking:
            raise ValueError("model.attn_backend=flex: FlexAttention has no backward pass on CPU; use sdpa (or auto)")
        args.attn_backend = backend
        if state is not None and args.tie_embeddings:
            state["output.weight"] = state["tok_embeddings.weight"]
        return args, state

    def setup(self) -> None:
        self.world = setup_world(self.cfg.training.device, force_process_group=self.cfg.parallel.fsdp == "on")
        try:
            self._setup()
        except BaseException:
            teardown(self.world)
            raise

    def _setup(self) -> None:
        cfg = self.cfg
        if cfg.training.threads:
            torch.set_num_threads(cfg.training.threads)
        self.fsdp = use_fsdp(cfg.parallel, self.world)
        if self.world.world_size > 1 and not self.fsdp:
            raise ValueError("several processes need parallel.fsdp auto or on (gradients are synchronised by FSDP2)")
        self.dtype = compute_dtype(self.world.device, cfg.training.dtype)
        self.autocast = autocast_context(self.world.device, self.dtype, self.fsdp)
        self.args, state = self._initial_state()
        if self.fsdp:
            with torch.device("meta"):
                self.model = Transformer(self.args)
            parallelize(self.model, cfg.parallel, self.world, self.dtype)
            self.model.to_empty(device=self.world.device)
            self.model.init_buffers()
            load_full_model_state(self.model, state or {}, broadcast=True)
        else:
            self.model = Transformer(self.args)
            self.model.load_state_dict(state)
            self.model.to(self.world.device)
            parallelize(self.model, cfg.parallel, self.world, self.dtype)
        del state
        self.model.train()
        oc = cfg.optim
        fused = oc.fused if oc.fused is not None else self.world.device.type == "cuda"
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=oc.lr, betas=tuple(oc.betas), eps=oc.eps,
                                           weight_decay=oc.weight_decay, fused=fused or None)
        self.warmup = None
        if self.mapping is not None and cfg.vocab.new_rows_warmup_steps:
            self.warmup = NewRowsWarmup(self.model, self.mapping.base_vocab_size)
            self.warmup_optimizer = self.warmup.make_optimizer(oc.lr, tuple(oc.betas), oc.eps, fused or None)
        dc = cfg.data
        self.sources = load_sources(self.groups, dc.val_fraction, dc.seed)
        self.loader = PackedBatches(self.sources, dc.seq_len, dc.batch_size, dc.weights, dc.seed,
                                    self.world.rank, self.world.world_size)
        self.val_batches = validation_batches(self.sources, dc.seq_len, dc.batch_size, cfg.eval.batches)
        self.checkpointer = Checkpointer(self.out_dir / "checkpoints", self.world, cfg.checkpoint.keep_last,
                                         cfg.checkpoint.async_save)
        self.resumed_from = self._resume()
        if self.world.is_main:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            resolved = {"config": cfg.to_dict(), "model_args": asdict(self.args), "world_size": self.world.world_size,
                        "sources": {s.name: {"documents": s.n_documents, "tokens": s.n_tokens,
                                             "val_documents": len(s.val)} for s in self.sources}}
            (self.out_dir / "train_config.json").write_text(json.dumps(resolved, indent=2, default=str))

    def _active_optimizer(self) -> torch.optim.Optimizer:
        if self.warmup is not None and self.step < self.cfg.vocab.new_rows_warmup_steps:
            return self.warmup_optimizer
        return self.optimizer

    def _resume(self) -> str | None:
        choice = self.cfg.checkpoint.resume
        if choice == "none":
            return None
        path = self.checkpointer.latest() if choice == "auto" else Path(choice)
        if path is None:
            return None
        state, data_state = self.checkpointer.load(path, self.model, self._active_optimizer())
        self.step = int(state["step"])
        self.skipped = list(state.get("skipped", []))
        if data_state is not None:
            self.loader.load_state_dict(data_state)
        self._say(f"resumed from {path} at step {self.step}")
        return str(path)

    def _say(self, message: str) -> None:
        if self.world.is_main and not self.quiet:
            print(f"[train] {message}", flush=True)

    # -- the loop ---------------------------------------------------------------------
    def _check_vocab(self, batches) -> None:
        top = max(max(int(b.labels.max()), int(b.input_ids.max())) for b in batches)
        if top >= self.args.vocab_size:
            raise ValueError(f"token id {top} >= model vocabulary {self.args.vocab_size}: the shards were made "
                             "with a bigger tokenizer (expand the vocabulary with vocab.mapping)")

    def _save(self) -> None:
        trainer_state = {"step": self.step, "skipped": self.skipped, "world_size": self.world.world_size}
        path = self.checkpointer.save(self.step, self.model, self._active_optimizer(), trainer_state,
                                      self.loader.state_dict())
        self.last_checkpoint = str(path)

    def train(self) -> TrainResult:
        if not hasattr(self, "model"):
            self.setup()
        cfg = self.cfg
        self.metrics = MetricsLogger(self.out_dir, self.world.rank, cfg.metrics.tensorboard, cfg.metrics.wandb,
                                     cfg.metrics.wandb_project, cfg.to_dict(), quiet=self.quiet)
        try:
            return self._run()
        finally:
            self.checkpointer.wait()
            self.metrics.close()
            teardown(self.world)

    def _run(self) -> TrainResult:
        cfg = self.cfg
        max_steps = cfg.training.max_steps
        result = TrainResult(start_step=self.step, resumed_from=self.resumed_from,
                             params=total_params(self.args))
        self.last_checkpoint = self.resumed_from
        throughput = Throughput(self.args, cfg.data.seq_len, self.world.device, self.world.world_size, self.chars_per_token)
        tokens_per_step = cfg.data.seq_len * cfg.data.batch_size * cfg.training.grad_accum
        started = time.perf_counter()
        mfus = []
        self._say(f"{total_params(self.args) / 1e6:.2f}M parameters, {self.world.world_size} x {self.world.device.type}, "
                  f"steps {self.step}->{max_steps}, {tokens_per_step} tokens/step/rank")
        while self.step < max_steps:
            optimizer = self._active_optimizer()
            lr = lr_at(self.step, cfg.optim, max_steps)
            for group in optimizer.param_groups:
                group["lr"] = lr
            batches = [self.loader.next_batch() for _ in range(cfg.training.grad_accum)]
            self._check_vocab(batches)
            loss = forward_backward(self.model, batches, self.world.device, cfg.model.document_masking,
                                    self.autocast, self.world, cfg.training.loss_chunk)
            if optimizer is not self.optimizer:
                self.warmup.mask_gradients()
            params = [p for g in optimizer.param_groups for p in g["params"]]
            grad_norm = float(grad_norm_and_clip(params, cfg.optim.max_grad_norm))
            if math.isfinite(loss) and math.isfinite(grad_norm):
                optimizer.step()
            else:
                self._non_finite(loss, grad_norm)
            optimizer.zero_grad(set_to_none=True)
            self.model.zero_grad(set_to_none=True)
            self.step += 1
            result.losses.append(loss)
            result.tokens += tokens_per_step * self.world.world_size
            throughput.add(tokens_per_step)
            last = self.step == max_steps
            if self.step % cfg.metrics.log_interval == 0 or last or self.step == result.start_step + 1:
                figures = {"loss": loss, "lr": lr, "grad_norm": grad_norm, **throughput.report(),
                           "memory_gib": memory_gib(self.world.device)}
                done = self.step - result.start_step
                figures["eta_s"] = (time.perf_counter() - started) / done * (max_steps - self.step)
                if "mfu" in figures and self.step > result.start_step + 1:
                    mfus.append(figures["mfu"])
                self.metrics.log(self.step, figures)
            if (cfg.eval.interval and self.step % cfg.eval.interval == 0) or last:
                val = validation_loss(self.model, self.val_batches, self.world.device, cfg.model.document_masking,
                                      self.autocast, self.world, cfg.training.loss_chunk)
                if val is not None:
                    result.val_losses[self.step] = val
                    self.metrics.log(self.step, {"val_loss": val})
            if cfg.checkpoint.enabled and ((cfg.checkpoint.interval and self.step % cfg.checkpoint.interval == 0) or last):
                self._save()
        result.train_seconds = time.perf_counter() - started
        self.checkpointer.wait()
        result.steps = self.step
        result.skipped_steps = list(self.skipped)
        result.tokens_per_s = result.tokens / result.train_seconds if result.train_seconds else 0.0
        result.mfu = sorted(mfus)[len(mfus) // 2] if mfus else None
        result.checkpoint = self.last_checkpoint
        if cfg.checkpoint.export_hf:
            result.export_dir = self.export(self.out_dir / "hf")
        return result

    def _non_finite(self, loss: float, grad_norm: float) -> None:
        what = f"step {self.step}: loss {loss}, gradient norm {grad_norm}"
        if self.cfg.training.nan_policy == "stop":
            raise NonFiniteLoss(f"{what} is not finite; stopping (training.nan_policy=stop). Resume from "
                                f"{self.checkpointer.latest() or 'the initial weights'} with a lower optim.lr, "
                                "or set training.nan_policy=skip")
        self.skipped.append(self.step)
        self._say(f"{what} is not finite; update skipped ({len(self.skipped)}/{self.cfg.training.max_skipped})")
        if len(self.skipped) > self.cfg.training.max_skipped:
            raise NonFiniteLoss(f"{len(self.skipped)} non-finite steps (training.max_skipped="
                                f"{self.cfg.training.max_skipped}); last at {what}")

    def export(self, out: Path) -> str | None:
        """HF safetensors + config + tokenizer, written by rank 0 from the gathered full state."""
        state = full_model_state(self.model)
        if self.world.is_main:
            args = ModelArgs(**{f: getattr(self.args, f) for f in self.args.__dataclass_fields__})
            args.attn_backend = "sdpa"
            export_hf(state, args, out, dtype=self.cfg.checkpoint.export_dtype, tokenizer_dir=self.cfg.vocab.tokenizer)
            self._say(f"exported Hugging Face model to {out}")
        return str(out)
