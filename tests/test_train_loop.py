"""The trainer on CPU: loss falls, resume is bit-exact, the HF export reloads in transformers,
NaN/inf handling, gradient accumulation and the LR schedules."""

from __future__ import annotations

import contextlib
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from training.checkpoint import CheckpointRefused
from training.config import OptimConfig, load_config
from corpus.formats.megatron_format import write_token_shard
from training.loop import forward_backward, lr_at
from training.trainer import NonFiniteLoss, Trainer

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "training" / "configs" / "tiny.yaml"
VOCAB = 256


def write_learnable_shards(folder: Path) -> Path:
    """Two sources of documents a tiny model can learn fast: arithmetic runs mod 250, then EOS."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for name, step in (("web", 3), ("wiki", 7)):
        docs = []
        for _ in range(60):
            start, n = int(rng.integers(0, 250)), int(rng.integers(20, 200))
            docs.append([1] + [int(t) for t in (start + step * np.arange(n)) % 250 + 3] + [2])
        write_token_shard(folder / f"{name}_00000_tokens", docs, VOCAB)
    return folder


def tiny_config(data: Path, **overrides):
    shape = dict(load_config(TINY).model.shape, vocab_size=VOCAB)
    return load_config(TINY, {"data.paths": [str(data)], "model.shape": shape, **overrides})


@pytest.fixture(scope="module")
def shards(tmp_path_factory) -> Path:
    return write_learnable_shards(tmp_path_factory.mktemp("shards"))


@pytest.fixture(scope="module")
def full_run(shards, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    trainer = Trainer(tiny_config(shards), out, quiet=True)
    return trainer, trainer.train(), out


def test_loss_falls_on_tiny_llama(full_run):
    _, result, _ = full_run
    assert result.steps == 24 and len(result.losses) == 24
    assert np.mean(result.losses[-4:]) < result.losses[0] - 1.0
    vals = list(result.val_losses.values())
    assert vals[-1] < vals[0]


def test_resume_from_middle_checkpoint_reproduces_losses_bit_for_bit(full_run, shards, tmp_path):
    _, result, out = full_run
    assert (out / "checkpoints" / "step_00000012" / "complete.json").is_file()
    copy = tmp_path / "moved_run"  # a run directory moved elsewhere is still the run that wrote it
    shutil.copytree(out, copy)
    middle = copy / "checkpoints" / "step_00000012"
    resumed = Trainer(tiny_config(shards, **{"checkpoint.resume": str(middle)}), copy, quiet=True).train()
    assert resumed.start_step == 12
    assert resumed.losses == result.losses[12:]  # exact float equality, not approximate


def test_rerun_in_same_directory_resumes_from_latest_checkpoint(shards, tmp_path):
    Trainer(tiny_config(shards, **{"training.max_steps": 6, "checkpoint.interval": 3}), tmp_path, quiet=True).train()
    again = Trainer(tiny_config(shards, **{"training.max_steps": 8, "checkpoint.interval": 3}), tmp_path, quiet=True)
    result = again.train()
    assert result.resumed_from.endswith("step_00000006") and result.start_step == 6 and len(result.losses) == 2


def test_incomplete_checkpoint_is_ignored(full_run):
    trainer, _, out = full_run
    broken = out / "checkpoints" / "step_00000099"
    broken.mkdir()
    (broken / "__0_0.distcp").write_bytes(b"partial")
    assert trainer.checkpointer.latest().name == "step_00000024"


class _OpensAFile:
    """Unpickling this creates `path`: the stand-in for code a planted checkpoint would run."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def _short_run(shards: Path, out: Path, **overrides):
    common = {"training.max_steps": 3, "checkpoint.interval": 3, "checkpoint.export_hf": False, **overrides}
    return Trainer(tiny_config(shards, **common), out, quiet=True)


def test_planted_checkpoint_is_refused_before_anything_is_unpickled(shards, tmp_path):
    out = tmp_path / "run"
    _short_run(shards, out).train()
    planted = out / "checkpoints" / "step_00000099"
    shutil.copytree(out / "checkpoints" / "step_00000003", planted)
    ran = tmp_path / "PWNED"
    (planted / ".metadata").write_bytes(pickle.dumps(_OpensAFile(ran)))
    with pytest.raises(CheckpointRefused, match=r"step_00000099: refused to load: not recorded in .*manifest.json"):
        _short_run(shards, out, **{"training.max_steps": 6}).train()  # resume auto picks the newest
    assert not ran.exists()


def test_modified_checkpoint_file_is_refused(shards, tmp_path):
    out = tmp_path / "run"
    _short_run(shards, out).train()
    step = out / "checkpoints" / "step_00000003"
    data = next(step.glob("*.distcp"))
    blob = bytearray(data.read_bytes())
    blob[-1] ^= 1
    data.write_bytes(bytes(blob))
    with pytest.raises(CheckpointRefused, match=rf"{data.name} changed since this run wrote it"):
        _short_run(shards, out, **{"training.max_steps": 6}).train()


def test_extra_file_in_a_checkpoint_is_refused(shards, tmp_path):
    out = tmp_path / "run"
    _short_run(shards, out).train()
    (out / "checkpoints" / "step_00000003" / "__1_0.distcp").write_bytes(b"planted")
    with pytest.raises(CheckpointRefused, match=r"unrecorded \['__1_0.distcp'\]"):
        _short_run(shards, out, **{"training.max_steps": 6}).train()


def test_resume_from_a_directory_outside_the_run_is_refused(shards, tmp_path):
    _short_run(shards, tmp_path / "a").train()
    other = tmp_path / "a" / "checkpoints" / "step_00000003"
    with pytest.raises(CheckpointRefused, match="not a checkpoint directory of this run"):
        _short_run(shards, tmp_path / "b", **{"checkpoint.resume": str(other)}).train()


def test_cli_refuses_a_planted_checkpoint_with_one_line(shards, tmp_path, capsys):
    from training.cli import main

    out = tmp_path / "run"
    shape = f"model.shape={{dim: 64, n_layers: 2, n_heads: 4, n_kv_heads: 2, ffn_dim: 192, vocab_size: {VOCAB}}}"
    args = ["train", "--config", str(TINY), "--data", str(shards), "--output", str(out),
            "--set", "checkpoint.export_hf=false", "--set", shape]
    assert main([*args, "--set", "training.max_steps=3"]) == 0
    planted = out / "checkpoints" / "step_00000003" / ".metadata"
    planted.write_bytes(pickle.dumps(_OpensAFile(tmp_path / "PWNED")))
    capsys.readouterr()
    assert main([*args, "--set", "training.max_steps=6"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and ".metadata changed since this run wrote it" in err
    assert not (tmp_path / "PWNED").exists()


def test_hf_export_reloads_in_transformers_with_identical_logits(full_run):
    transformers = pytest.importorskip("transformers")
    trainer, result, _ = full_run
    theirs = transformers.LlamaForCausalLM.from_pretrained(result.export_dir, dtype=torch.float32).eval()
    trainer.model.eval()
    tokens = torch.randint(3, VOCAB, (2, 40), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(theirs(tokens).logits, trainer.model(tokens), rtol=0, atol=1e-5)
        generated = theirs.generate(tokens[:1, :5], max_new_tokens=4, do_sample=False)
    assert generated.shape == (1, 9)


def test_non_finite_loss_stops_with_the_step_named(shards, tmp_path):
    trainer = Trainer(tiny_config(shards), tmp_path, quiet=True)
    trainer.setup()
    with torch.no_grad():
        trainer.model.norm.weight[0] = float("nan")
    with pytest.raises(NonFiniteLoss, match="step 0: loss nan"):
        trainer.train()


def test_non_finite_steps_are_skipped_without_updating_then_stop_past_the_limit(shards, tmp_path):
    trainer = Trainer(tiny_config(shards, **{"training.nan_policy": "skip", "training.max_skipped": 2}), tmp_path, quiet=True)
    trainer.setup()
    with torch.no_grad():
        trainer.model.norm.weight[0] = float("inf")
    before = trainer.model.layers[0].attention.wq.weight.clone()
    with pytest.raises(NonFiniteLoss, match="3 non-finite steps"):
        trainer.train()
    assert trainer.skipped == [0, 1, 2]
    assert torch.equal(trainer.model.layers[0].attention.wq.weight, before)


def test_gradient_accumulation_matches_one_big_batch(shards, tmp_path):
    big = Trainer(tiny_config(shards, **{"data.batch_size": 4}), tmp_path / "a", quiet=True)
    acc = Trainer(tiny_config(shards, **{"data.batch_size": 2, "training.grad_accum": 2}), tmp_path / "b", quiet=True)
    big.setup()
    acc.setup()
    args = (torch.device("cpu"), True, contextlib.nullcontext(), big.world)
    la = forward_backward(big.model, [big.loader.next_batch()], *args)
    lb = forward_backward(acc.model, [acc.loader.next_batch(), acc.loader.next_batch()], *args)
    assert la == pytest.approx(lb, rel=1e-6)
    for (name, p), q in zip(big.model.named_parameters(), acc.model.parameters()):
        torch.testing.assert_close(p.grad, q.grad, rtol=1e-4, atol=1e-7, msg=name)


def test_schedules_warm_up_then_decay_to_the_floor():
    cosine = OptimConfig(lr=1.0, min_lr_ratio=0.1, warmup_steps=10, schedule="cosine")
    assert lr_at(0, cosine, 100) == pytest.approx(0.1) and lr_at(9, cosine, 100) == pytest.approx(1.0)
    assert lr_at(55, cosine, 100) == pytest.approx(0.55) and lr_at(100, cosine, 100) == pytest.approx(0.1)
    wsd = OptimConfig(lr=1.0, min_lr_ratio=0.0, warmup_steps=10, schedule="wsd", decay_fraction=0.2)
    assert lr_at(50, wsd, 100) == 1.0 and lr_at(79, wsd, 100) == 1.0
    assert lr_at(90, wsd, 100) == pytest.approx(0.5) and lr_at(100, wsd, 100) == 0.0
    assert lr_at(50, OptimConfig(lr=2.0, warmup_steps=0, schedule="constant"), 100) == 2.0


def test_activation_checkpointing_gives_the_same_step(shards, tmp_path):
    common = {"training.max_steps": 2, "checkpoint.export_hf": False}
    plain = Trainer(tiny_config(shards, **common), tmp_path / "a", quiet=True).train()
    full = Trainer(tiny_config(shards, **common, **{"parallel.activation_checkpointing": "full"}), tmp_path / "b", quiet=True)
    assert full.train().losses == pytest.approx(plain.losses, rel=1e-6)
    assert "_checkpoint_wrapped_module" not in "".join(full.model.state_dict())


def test_fsdp2_run_checkpoints_async_and_resumes_without_fsdp_bit_for_bit(shards, tmp_path):
    """FSDP2 (fully_shard over a one-process gloo group) on CPU: same losses as plain
    training, and its DCP checkpoint resumes in an unsharded run with identical losses."""
    common = {"training.max_steps": 6, "checkpoint.interval": 3, "checkpoint.export_hf": False}
    plain = Trainer(tiny_config(shards, **common), tmp_path / "plain", quiet=True).train()
    sharded = Trainer(tiny_config(shards, **common, **{"parallel.fsdp": "on", "checkpoint.async_save": True}),
                      tmp_path / "fsdp", quiet=True)
    assert sharded.train().losses == plain.losses
    assert not torch.distributed.is_initialized()
    shutil.copytree(tmp_path / "fsdp", tmp_path / "r")
    middle = tmp_path / "r" / "checkpoints" / "step_00000003"
    resumed = Trainer(tiny_config(shards, **common, **{"checkpoint.resume": str(middle)}), tmp_path / "r", quiet=True)
    assert resumed.train().losses == plain.losses[3:]


@pytest.mark.parametrize("fsdp", ["off", "on"])
def test_bf16_on_cpu_runs_the_mixed_precision_path_with_fp32_master_weights(shards, tmp_path, fsdp):
    """The precision path a GPU takes (autocast alone, or FSDP2's bf16 policy), run on CPU:
    it learns, keeps fp32 weights for the optimizer, and really computes in bf16."""
    common = {"training.max_steps": 8, "checkpoint.enabled": False, "checkpoint.export_hf": False,
              "parallel.fsdp": fsdp}
    exact = Trainer(tiny_config(shards, **common), tmp_path / "fp32", quiet=True).train()
    trainer = Trainer(tiny_config(shards, **common, **{"training.dtype": "bfloat16"}), tmp_path / "bf16", quiet=True)
    mixed = trainer.train()
    assert all(np.isfinite(mixed.losses)) and np.mean(mixed.losses[-3:]) < mixed.losses[0] - 0.5
    assert mixed.losses != exact.losses
    assert mixed.losses == pytest.approx(exact.losses, abs=0.1)
    assert {p.dtype for p in trainer.model.parameters()} == {torch.float32}
    assert not torch.distributed.is_initialized()


@pytest.mark.slow
def test_compiled_blocks_with_selective_checkpointing_give_the_same_losses(shards, tmp_path):
    common = {"training.max_steps": 3, "checkpoint.enabled": False, "checkpoint.export_hf": False,
              "parallel.activation_checkpointing": "selective"}
    eager = Trainer(tiny_config(shards, **common), tmp_path / "a", quiet=True).train()
    compiled = Trainer(tiny_config(shards, **common, **{"parallel.compile": True}), tmp_path / "b", quiet=True).train()
    assert compiled.losses == pytest.approx(eager.losses, rel=1e-5)


@pytest.mark.gpu
def test_gpu_bf16_flex_document_masking_trains(shards, tmp_path):
    overrides = {"training.device": "cuda", "training.dtype": "bfloat16", "model.attn_backend": "flex",
                 "parallel.compile": True, "checkpoint.export_hf": False}
    result = Trainer(tiny_config(shards, **overrides), tmp_path, quiet=True).train()
    assert np.mean(result.losses[-4:]) < result.losses[0] - 1.0
    assert result.mfu is None or 0 < result.mfu < 1  # None on a GPU missing from the peak table


def test_flex_backend_on_cpu_is_refused_with_a_reason(shards, tmp_path):
    trainer = Trainer(tiny_config(shards, **{"model.attn_backend": "flex"}), tmp_path, quiet=True)
    with pytest.raises(ValueError, match="no backward pass on CPU"):
        trainer.setup()


def _torchrun(args: list[str], cwd: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "training.cli", "train", *args]
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]


def _losses(out: Path) -> dict[int, float]:
    import json

    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return {r["step"]: r["loss"] for r in rows if "loss" in r}


@pytest.mark.slow
def test_two_process_fsdp2_run_resumes_bit_for_bit_and_exports(shards, tmp_path):
    """torchrun with 2 CPU processes (gloo): FSDP2 sharding, per-rank data, async DCP saves,
    a resume from the middle checkpoint with identical losses, and a loadable HF export."""
    common = ["--config", str(TINY), "--data", str(shards), "--set", "training.max_steps=6",
              "--set", "checkpoint.interval=3", "--set", "metrics.log_interval=1", "--set", f"model.shape={{dim: 64, n_layers: 2, n_heads: 4, n_kv_heads: 2, ffn_dim: 192, vocab_size: {VOCAB}, max_seq_len: 128, tie_embeddings: true}}"]
    _torchrun([*common, "--output", str(tmp_path / "a")], tmp_path)
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    (tmp_path / "b" / "metrics.jsonl").unlink()
    middle = tmp_path / "b" / "checkpoints" / "step_00000003"
    _torchrun([*common, "--output", str(tmp_path / "b"), "--set", f"checkpoint.resume={middle}"], tmp_path)
    full, resumed = _losses(tmp_path / "a"), _losses(tmp_path / "b")
    assert sorted(resumed) == [4, 5, 6] and all(resumed[s] == full[s] for s in resumed)
    assert full[6] < full[1]
    from training.hf_io import load_hf_model

    assert load_hf_model(tmp_path / "a" / "hf").args.vocab_size == VOCAB


def test_fused_loss_run_gives_the_losses_of_the_plain_run(shards, tmp_path):
    common = {"training.max_steps": 4, "checkpoint.enabled": False, "checkpoint.export_hf": False}
    plain = Trainer(tiny_config(shards, **common), tmp_path / "a", quiet=True).train()
    fused = Trainer(tiny_config(shards, **common, **{"training.loss_chunk": 100}), tmp_path / "b", quiet=True).train()
    assert fused.losses == pytest.approx(plain.losses, rel=1e-5)
    assert fused.val_losses[4] == pytest.approx(plain.val_losses[4], rel=1e-5)


@pytest.mark.slow
def test_float8_run_learns_like_bf16(shards, tmp_path):
    """CPU emulates the float8 matmuls (about a minute); on a GPU this is benchmarks/gpu_checks.py's fp8 part."""
    pytest.importorskip("torchao.float8")
    common = {"training.max_steps": 8, "checkpoint.enabled": False, "checkpoint.export_hf": False,
              "training.dtype": "bfloat16"}
    bf16 = Trainer(tiny_config(shards, **common), tmp_path / "a", quiet=True).train()
    trainer = Trainer(tiny_config(shards, **common, **{"parallel.float8": True}), tmp_path / "b", quiet=True)
    fp8 = trainer.train()
    assert type(trainer.model.layers[0].feed_forward.w1).__name__ == "Float8Linear"
    assert fp8.losses != bf16.losses and fp8.losses == pytest.approx(bf16.losses, abs=0.15)
    assert np.mean(fp8.losses[-3:]) < fp8.losses[0] - 0.5


def test_fused_loss_under_fsdp2_gives_the_losses_of_the_plain_unsharded_run(shards, tmp_path):
    """FSDP2 gathers the tied head/embedding weight only inside the root's forward; the fused
    loss runs there, and its gradient reaches the sharded parameter."""
    common = {"training.max_steps": 4, "checkpoint.enabled": False, "checkpoint.export_hf": False}
    plain = Trainer(tiny_config(shards, **common), tmp_path / "a", quiet=True).train()
    fused = Trainer(tiny_config(shards, **common, **{"training.loss_chunk": 100, "parallel.fsdp": "on"}),
                    tmp_path / "b", quiet=True).train()
    assert fused.losses == pytest.approx(plain.losses, rel=1e-5)


def test_cli_set_takes_a_json_shape_and_exponent_floats(shards, tmp_path, capsys):
    """`--set model.shape={json}` writes eps as `1e-05`, which YAML 1.1 reads as a string that
    broke RMSNorm; the trainer reads YAML 1.2 floats and checks the shape's types up front."""
    import json

    from training.cli import main

    shape = {"dim": 64, "n_layers": 2, "n_heads": 4, "n_kv_heads": 2, "ffn_dim": 192, "vocab_size": VOCAB,
             "norm_eps": 1e-05, "rope_theta": 500000.0, "max_seq_len": 128, "tie_embeddings": True}
    args = ["train", "--config", str(TINY), "--data", str(shards), "--set", "checkpoint.enabled=false",
            "--set", "checkpoint.export_hf=false", "--set", "training.max_steps=2", "--set", "optim.lr=1e-3",
            "--set", f"model.shape={json.dumps(shape)}", "--set", "model.shape.rope_theta=5e5"]
    assert main([*args, "--output", str(tmp_path / "ok")]) == 0
    saved = json.loads((tmp_path / "ok" / "train_config.json").read_text())
    assert saved["model_args"]["norm_eps"] == 1e-05 and saved["model_args"]["rope_theta"] == 5e5
    assert saved["config"]["optim"]["lr"] == 1e-3
    capsys.readouterr()
    assert main([*args, "--set", "model.shape.norm_eps='1e-05'", "--output", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "model.shape.norm_eps: expected float, got '1e-05'" in err
