"""Checkpoints with torch.distributed.checkpoint (DCP): everything a resume needs, nothing replayed.

One directory per step, `checkpoints/step_00000500/`, holds the model and optimizer state
(sharded as FSDP2 holds them, so N GPUs write in parallel and a different N can load),
the step and counters, and per rank the data position and RNG states. A checkpoint is
usable only once `complete.json` is written next to DCP's `.metadata`, after the save
(async or not) has finished; `latest()` ignores anything else, so a run killed mid-save
resumes from the one before. The LR schedule is a pure function of the step, so the step
restores it.

Async saving (`dcp.async_save`, torchtitan's `async_mode="async"`) runs when a process
group is up: the state is staged to CPU and written in a background thread while
training continues; the next save, or the end of training, waits for it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import warnings
from pathlib import Path

import torch
import torch.distributed.checkpoint as dcp
from torch.distributed.checkpoint.state_dict import (
    StateDictOptions,
    get_model_state_dict,
    get_optimizer_state_dict,
    set_model_state_dict,
    set_optimizer_state_dict,
)

from training.parallelize import World

_MARKER = "complete.json"


@contextlib.contextmanager
def _single_process_quiet(world: World):
    """DCP warns on every single-process save/load that it 'assumes' one process; we know."""
    with warnings.catch_warnings():
        if not world.distributed:
            warnings.filterwarnings("ignore", message="torch.distributed is disabled")
        yield


def _rng_state(world: World) -> dict[str, torch.Tensor]:
    state = {"rng_cpu": torch.get_rng_state()}
    if world.device.type == "cuda":
        state["rng_cuda"] = torch.cuda.get_rng_state(world.device)
    return state


class Checkpointer:
    def __init__(self, root: str | Path, world: World, keep_last: int = 3, async_save: bool = True):
        self.root, self.world, self.keep_last = Path(root), world, keep_last
        self.async_save = async_save and world.distributed
        # the background save runs collectives while training runs its own: on one shared
        # group their order can interleave differently per rank (a hang or an abort), so
        # async saves get a group of their own, as torchtitan does
        self._save_group = torch.distributed.new_group(backend="gloo") if self.async_save else None
        self._pending = None
        self._pending_step: int | None = None

    def step_dir(self, step: int) -> Path:
        return self.root / f"step_{step:08d}"

    def completed(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.glob("step_*") if (p / _MARKER).is_file())

    def latest(self) -> Path | None:
        done = self.completed()
        return done[-1] if done else None

    def save(self, step: int, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
             trainer_state: dict, data_state: dict) -> Path:
        self.wait()
        path = self.step_dir(step)
        if path.exists() and self.world.is_main:
            shutil.rmtree(path)  # a save of this step that never completed
        state = {
            "model": get_model_state_dict(model),
            "optimizer": get_optimizer_state_dict(model, optimizer),
            "trainer": {"json": json.dumps(trainer_state)},
            f"rank_{self.world.rank}": {"data": json.dumps(data_state), **_rng_state(self.world)},
        }
        if self.async_save:
            self._pending = dcp.async_save(state, checkpoint_id=str(path), process_group=self._save_group)
            self._pending_step = step
        else:
            with _single_process_quiet(self.world):
                dcp.save(state, checkpoint_id=str(path), no_dist=not self.world.distributed)
            self._finish(step)
        return path

    def wait(self) -> None:
        """Block until a pending async save is on disk, then mark it complete."""
        if self._pending is None:
            return
        pending = self._pending
        future = getattr(pending, "upload_completion", pending)
        future.result()
        step, self._pending, self._pending_step = self._pending_step, None, None
        self._finish(step)

    def _finish(self, step: int) -> None:
        if self.world.distributed:
            torch.distributed.barrier()
        if not self.world.is_main:
            return
        (self.step_dir(step) / _MARKER).write_text(json.dumps({"step": step}))
        if self.keep_last:
            for old in self.completed()[: -self.keep_last]:
                shutil.rmtree(old, ignore_errors=True)

    def load(self, path: str | Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> tuple[dict, dict | None]:
        """Restore model, optimizer and this rank's RNG; returns (trainer state, data state or None).

        The data state is None when the checkpoint was written with another world size
        (the data position is per rank); training then continues from fresh data order.
        """
        path = Path(path)
        if not (path / _MARKER).is_file():
            raise FileNotFoundError(f"{path}: not a complete checkpoint (no {_MARKER})")
        key = f"rank_{self.world.rank}"
        state = {
            "model": get_model_state_dict(model),
            "optimizer": get_optimizer_state_dict(model, optimizer),
            "trainer": {"json": ""},
        }
        metadata = dcp.FileSystemReader(str(path)).read_metadata()
        has_rank = any(k.startswith(f"{key}.") for k in metadata.state_dict_metadata)
        if has_rank:
            state[key] = {"data": "", **_rng_state(self.world)}
        with _single_process_quiet(self.world):
            dcp.load(state, checkpoint_id=str(path), no_dist=not self.world.distributed)
        set_model_state_dict(model, state["model"])
        set_optimizer_state_dict(model, optimizer, state["optimizer"])
        trainer_state = json.loads(state["trainer"]["json"])
        data_state = None
        if has_rank and trainer_state.get("world_size", 1) == self.world.world_size:
            torch.set_rng_state(state[key]["rng_cpu"])
            if "rng_cuda" in state[key] and self.world.device.type == "cuda":
                torch.cuda.set_rng_state(state[key]["rng_cuda"], self.world.device)
            data_state = json.loads(state[key]["data"])
        return trainer_state, data_state


def full_model_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The unsharded model state on CPU (gathered to every rank; use on rank 0 for export)."""
    return get_model_state_dict(model, options=StateDictOptions(full_state_dict=True, cpu_offload=True))


def load_full_model_state(model: torch.nn.Module, state: dict[str, torch.Tensor], broadcast: bool) -> None:
    """Load a full state dict held by rank 0 into a (possibly FSDP-sharded) model."""
    options = StateDictOptions(full_state_dict=True, broadcast_from_rank0=broadcast, strict=True)
    set_model_state_dict(model, state, options=options)
