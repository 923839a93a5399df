"""Devices, process groups, and what is applied to the model from outside: float8 linears,
activation checkpointing, torch.compile, FSDP2 and mixed precision.

Order and choices follow torchtitan `models/llama3/infra/parallelize.py`: checkpoint
wrappers first, then per-block `compile()` (in place, so state-dict keys stay clean), then
`fully_shard` per block and once at the root (the root group holds the embedding, final
norm and head, which keeps tied weights in one group). FSDP2 mixed precision keeps fp32
master weights and optimizer state, computes in bf16 and reduces gradients in fp32. With
one process and no FSDP, bf16 comes from `torch.autocast` instead (torchtitan
`maybe_enable_amp`). The tiny CPU config asks for float32, so CI results are bit-exact;
asking for bfloat16 on CPU runs the same mixed-precision path as on a GPU.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
from dataclasses import dataclass, field

import torch
import torch.distributed as dist
from torch import nn

from training.config import ParallelConfig


@dataclass
class World:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    owns_group: bool = False
    """this process started the process group (and so ends it)"""

    @property
    def distributed(self) -> bool:
        return dist.is_available() and dist.is_initialized()

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_world(device: str = "auto", force_process_group: bool = False) -> World:
    """Read torchrun's environment, pick the device, start the process group when needed."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("training.device is cuda but no CUDA device is visible")
        torch.cuda.set_device(local_rank)
        dev = torch.device("cuda", local_rank)
    else:
        dev = torch.device("cpu")
    owns = False
    if (world_size > 1 or force_process_group) and not dist.is_initialized():
        if world_size == 1:
            os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
            os.environ["MASTER_PORT"] = str(_free_port())
        backend = "cuda:nccl,cpu:gloo" if dev.type == "cuda" else "gloo"
        dist.init_process_group(backend=backend, rank=rank, world_size=world_size)
        owns = True
    return World(rank, world_size, local_rank, dev, owns)


def use_fsdp(cfg: ParallelConfig, world: World) -> bool:
    return cfg.fsdp == "on" or (cfg.fsdp == "auto" and world.world_size > 1)


def apply_activation_checkpointing(model: nn.Module, mode: str, every: int = 2) -> None:
    """Recompute blocks in backward: all of them (full) or every `every`-th (selective)."""
    if mode == "none":
        return
    from torch.distributed.algorithms._checkpoint.checkpoint_wrapper import (
        checkpoint_wrapper,
    )

    for i, block in enumerate(model.layers):
        if mode == "full" or i % every == 0:
            model.layers[i] = checkpoint_wrapper(block, preserve_rng_state=False)


def _float8_eligible(module: nn.Module, fqn: str) -> bool:
    """torchtitan's filter: the output head stays in bf16 (its logits feed the loss), and
    float8 matmuls need both dimensions divisible by 16."""
    if fqn == "output" or fqn.endswith(".output"):
        return False
    if isinstance(module, nn.Linear):
        return module.in_features % 16 == 0 and module.out_features % 16 == 0
    return True


def apply_float8(model: nn.Module, device: torch.device) -> int:
    """Swap the blocks' nn.Linear for torchao's Float8Linear (dynamic tensorwise scaling, as
    torchtitan's `Float8LinearConverter`); weights stay the same parameters, so state dicts,
    checkpoints and the HF export are unchanged. Returns how many linears were converted."""
    try:
        from torchao.float8 import Float8LinearConfig, convert_to_float8_training
    except ImportError as err:
        raise ValueError("parallel.float8 needs torchao (pip install 'jacorpus[fp8]'; torchao >= 0.17 for torch 2.11)"
                         f" ({err})") from None
    if device.type == "cuda" and torch.cuda.get_device_capability(device) < (8, 9):
        raise ValueError(f"parallel.float8 needs compute capability >= 8.9 (H100/H200/L40S); "
                         f"{torch.cuda.get_device_name(device)} has {torch.cuda.get_device_capability(device)}")
    before = sum(isinstance(m, nn.Linear) for m in model.modules())
    convert_to_float8_training(model, config=Float8LinearConfig.from_recipe_name("tensorwise"),
                               module_filter_fn=_float8_eligible)
    return before - sum(type(m) is nn.Linear for m in model.modules())


@functools.lru_cache(maxsize=None)
def compiled(name: str):
    """`torch.compile` of one kernel, made once per process and shared by every model compiled
    in it (a compiled function holds graphs, not state): `chunk_loss` (training/loss.py),
    `flex_attention`, `create_block_mask`."""
    if name == "chunk_loss":
        from training.loss import chunk_loss_and_grad

        return torch.compile(chunk_loss_and_grad, dynamic=False)
    from torch.nn.attention import flex_attention as flex

    if name == "flex_attention":
        return torch.compile(flex.flex_attention, dynamic=False)
    if name == "create_block_mask":
        return torch.compile(flex.create_block_mask)
    raise ValueError(f"no compiled kernel {name!r}")


def apply_compile(model: nn.Module) -> None:
    """Compile each block in place (repeated blocks share one compiled graph), and give this
    model (only: other models in the process stay eager) compiled FlexAttention and the
    per-chunk softmax of the fused loss."""
    from training.model import Attention

    for block in model.layers:
        block.compile(fullgraph=True)
    model.chunk_kernel = compiled("chunk_loss")
    if model.args.attn_backend == "flex":
        model.create_block_mask = compiled("create_block_mask")
        for module in model.modules():  # also inside activation-checkpoint wrappers
            if isinstance(module, Attention):
                module.flex_attention = compiled("flex_attention")


def apply_fsdp(model: nn.Module, world: World, param_dtype: torch.dtype) -> None:
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard

    mesh = init_device_mesh(world.device.type, (world.world_size,))
    policy = MixedPrecisionPolicy(param_dtype=param_dtype, reduce_dtype=torch.float32)
    last = len(model.layers) - 1
    for i, block in enumerate(model.layers):
        # the last block is needed again right away in backward: keep it gathered
        fully_shard(block, mesh=mesh, mp_policy=policy, reshard_after_forward=i < last)
    fully_shard(model, mesh=mesh, mp_policy=policy)


def compute_dtype(device: torch.device, dtype: str) -> torch.dtype:
    """The config's dtype on every device: bf16 on CPU is slow but lets CI run the GPU's precision path."""
    return torch.bfloat16 if dtype == "bfloat16" else torch.float32


def autocast_context(device: torch.device, dtype: torch.dtype, fsdp: bool):
    """bf16 autocast for single-device training; FSDP's policy handles it otherwise."""
    if dtype == torch.bfloat16 and not fsdp:
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def parallelize(model: nn.Module, cfg: ParallelConfig, world: World, dtype: torch.dtype) -> bool:
    """Apply float8, AC, compile and FSDP in torchtitan's order; returns whether FSDP is on."""
    if cfg.float8:
        apply_float8(model, world.device)
    apply_activation_checkpointing(model, cfg.activation_checkpointing, cfg.ac_every)
    if cfg.compile:
        apply_compile(model)
    fsdp = use_fsdp(cfg, world)
    if fsdp:
        apply_fsdp(model, world, dtype)
    return fsdp


def all_reduce_mean(value: torch.Tensor, world: World) -> torch.Tensor:
    if world.distributed and world.world_size > 1:
        value = value.clone()
        dist.all_reduce(value, op=dist.ReduceOp.SUM)  # gloo has no AVG
        value /= world.world_size
    return value


def teardown(world: World) -> None:
    """End the process group this process started (a caller's own group is left alone)."""
    if world.owns_group and world.distributed:
        dist.destroy_process_group()
