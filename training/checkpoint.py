"""Checkpoints with torch.distributed.checkpoint (DCP): everything a resume needs, nothing replayed.

One directory per step, `checkpoints/step_00000500/`, holds the model and optimizer state
(sharded as FSDP2 holds them, so N GPUs write in parallel and a different N can load),
the step and counters, and per rank the data position and RNG states. A checkpoint is
usable only once `complete.json` is written next to DCP's `.metadata`, after the save
(async or not) has finished; `latest()` ignores anything else, so a run killed mid-save
resumes from the one before. The LR schedule is a pure function of the step, so the step
restores it.

Only checkpoints this run wrote are loaded. DCP reads `.metadata` (and non-tensor entries)
with pickle, so a planted or edited checkpoint directory would run code on resume. Each
finished save records the sha256 and size of every file of its directory in
`checkpoints/manifest.json`; `load` checks that the directory lies under `checkpoints/`,
is no symlink, holds exactly the recorded files and that every hash matches, before DCP
opens anything, and otherwise refuses with one line (`CheckpointRefused`).

Async saving (`dcp.async_save`, torchtitan's `async_mode="async"`) runs when a process
group is up: the state is staged to CPU and written in a background thread while
training continues; the next save, or the end of training, waits for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
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
_MANIFEST = "manifest.json"


class CheckpointRefused(ValueError):
    """A checkpoint that this run did not write, or whose files changed since: never unpickled."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _files(step_dir: Path) -> dict[str, Path]:
    """Every entry of a checkpoint directory but the completion marker (which is JSON, never unpickled)."""
    return {p.name: p for p in step_dir.iterdir() if p.name != _MARKER}


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
            self._forget(path.name)
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
        path = self.step_dir(step)
        files = {name: {"sha256": file_sha256(p), "bytes": p.stat().st_size} for name, p in sorted(_files(path).items())}
        manifest = self._manifest()
        manifest["checkpoints"][path.name] = {"step": step, "files": files}
        self._write_manifest(manifest)
        (path / _MARKER).write_text(json.dumps({"step": step}))  # after the manifest: complete implies recorded
        if self.keep_last:
            for old in self.completed()[: -self.keep_last]:
                self._forget(old.name)
                shutil.rmtree(old, ignore_errors=True)

    # -- the manifest of checkpoints this run wrote ------------------------------------
    def _manifest(self) -> dict:
        file = self.root / _MANIFEST
        if not file.is_file():
            return {"version": 1, "checkpoints": {}}
        return json.loads(file.read_text())

    def _write_manifest(self, manifest: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{_MANIFEST}.tmp"
        tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True))
        os.replace(tmp, self.root / _MANIFEST)

    def _forget(self, name: str) -> None:
        manifest = self._manifest()
        if manifest["checkpoints"].pop(name, None) is not None:
            self._write_manifest(manifest)

    def _refusal(self, path: Path) -> str | None:
        """Why `path` must not be loaded, or None when it is a checkpoint of this run, unchanged."""
        root = self.root.resolve()
        if path.is_symlink() or path.resolve().parent != root:
            return f"not a checkpoint directory of this run (checkpoint.resume must name a step_* directory in {root})"
        if not (path / _MARKER).is_file():
            return f"not a complete checkpoint (no {_MARKER})"
        try:
            entry = self._manifest()["checkpoints"].get(path.name)
        except (OSError, ValueError, KeyError, TypeError) as err:
            return f"unreadable {_MANIFEST} ({type(err).__name__})"
        if not isinstance(entry, dict) or not isinstance(entry.get("files"), dict):
            return f"not recorded in {root / _MANIFEST}: this run did not write it"
        found, recorded = _files(path), entry["files"]
        extra, missing = sorted(set(found) - set(recorded)), sorted(set(recorded) - set(found))
        if extra or missing:
            return f"files differ from the manifest (unrecorded {extra[:3]}, missing {missing[:3]})"
        for name, p in sorted(found.items()):
            if p.is_symlink() or not p.is_file():
                return f"{name} is not a regular file"
            want = recorded[name]
            if p.stat().st_size != want.get("bytes") or file_sha256(p) != want.get("sha256"):
                return f"{name} changed since this run wrote it (sha256 mismatch)"
        return None

    def verify(self, path: str | Path) -> Path:
        """Refuse (CheckpointRefused, one line) anything but an unchanged checkpoint this run wrote.

        Rank 0 hashes the files and tells the other ranks, so N processes do not each read
        the whole checkpoint.
        """
        path = Path(path)
        reason = self._refusal(path) if self.world.is_main else None
        if self.world.distributed:
            flag = torch.tensor([0 if reason is None else 1], dtype=torch.int32)
            torch.distributed.broadcast(flag, src=0)
            if flag.item() and reason is None:
                reason = "refused by rank 0 (see its message)"
        if reason is not None:
            raise CheckpointRefused(f"{path}: refused to load: {reason}")
        return path

    def load(self, path: str | Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> tuple[dict, dict | None]:
        """Restore model, optimizer and this rank's RNG; returns (trainer state, data state or None).

        The data state is None when the checkpoint was written with another world size
        (the data position is per rank); training then continues from fresh data order.
        """
        path = self.verify(path)  # before DCP unpickles anything in it
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
