"""The parts of benchmarks/gpu_checks.py, one function each; every part runs in its own process.

Estimated device time on one H200 (cold compile of a 1B model's block is about 1-2 min; the
inductor cache is shared, so phase A's warm-ups make phase B's compiles cheap):

| part | what | estimate |
|---|---|---|
| env | versions, device, free memory | 5 s |
| pytest_gpu | `pytest -m gpu tests/test_train_loop.py` (tiny model, flex + compile on CUDA) | 60-90 s |
| cli_mfu | `python -m training.cli train`, 20 steps of the small model: MFU on every logged line | 30-60 s |
| realdata | ~100M Llama on real Japanese tokens, 240 steps bf16 + flex + compile: loss, bits/char at 0 / 120 / 240, resume at 120 exact, HF export in transformers | 150-240 s |
| fp8_parity | the same 240 steps with float8 linears: loss and bits/char against bf16 | 60-90 s |
| warm_* | 2 steps of 1B ours, 1B transformers, 3B, 1B float8 to fill the compile cache | 60-120 s each, beside the above; cut at the end of phase A |
| mfu_1b | benchmarks/train_mfu.py, 1B at 8192 x 1: ours (fused loss), ours (plain loss), transformers | 90-180 s |
| mfu_levers | ours with FSDP2 bf16 params on one GPU, batch 1 and 2 (a cold compile) | 90-150 s |
| mfu_3b | the 3B shape, selective AC, ours only | 90-150 s |
| fp8_speed | 1B at 8192, bf16 then float8 linears in one process (same-run speed-up), no baseline | 60-150 s |
| vocab | Llama-2-vocabulary small model: base vs Swallow-expanded tokenizer, mean-init check, new-rows warm-up | 40-90 s |
| seq_max | 1B with selective AC: 32k, doubling to the model's 128k context, halving on an out-of-memory, then one bisection; 2 steps each, one process per length; a non-OOM error stops it | 45-60 s per length (a cold compile each) |
"""

from __future__ import annotations

import gc
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = Path(os.environ.get("GPU_CHECKS_INPUTS", ROOT / ".gpu_inputs"))
SCRATCH = Path(os.environ.get("GPU_CHECKS_SCRATCH", "/tmp/gpu_checks"))
CONFIGS = ROOT / "training" / "configs"


class Record(dict):
    """A dict that rewrites the part's result file on every assignment: a killed part keeps what it had."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self, indent=1, default=str))
        os.replace(tmp, self.path)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- shared set-up -------------------------------------------------------------------------
def device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def small_shape(vocab: int, tiny: bool, bos: int = 1, eos: int = 2) -> dict:
    """~100M parameters at vocabulary 32k (dim 768, 12 layers, GQA 12/4, tied): big enough to
    learn the real text in a few hundred steps, small enough to compile in well under a minute."""
    if tiny:
        return dict(dim=64, n_layers=2, n_heads=4, n_kv_heads=2, ffn_dim=192, vocab_size=vocab, norm_eps=1e-5,
                    rope_theta=500000.0, max_seq_len=128, tie_embeddings=True, extra={"bos_token_id": bos, "eos_token_id": eos})
    return dict(dim=768, n_layers=12, n_heads=12, n_kv_heads=4, ffn_dim=2048, vocab_size=vocab, norm_eps=1e-5,
                rope_theta=500000.0, max_seq_len=2048, tie_embeddings=True, extra={"bos_token_id": bos, "eos_token_id": eos})


def small_config(tokens: Path, tiny: bool, steps: int, shape: dict | None = None, **sections) -> dict:
    """The raw config mapping of the small real-data runs (validated by training.config)."""
    meta = json.loads((tokens / "metadata.json").read_text())
    cfg = {
        "model": {"shape": shape or small_shape(meta["vocab_size"], tiny, meta.get("bos_id", 1), meta.get("eos_id", 2)),
                  "document_masking": True},
        "data": {"paths": [str(tokens)], "seq_len": 128 if tiny else 2048, "batch_size": 4 if tiny else 8,
                 "val_fraction": 0.02, "seed": 1234},
        "optim": {"lr": 3e-3 if tiny else 1e-3, "warmup_steps": max(1, steps // 10), "schedule": "cosine"},
        "training": {"max_steps": steps, "dtype": "float32" if tiny else "bfloat16", "device": device(),
                     "loss_chunk": 64 if tiny else 2048, "nan_policy": "stop", "seed": 0,
                     "threads": 1 if tiny else None},
        "parallel": {"compile": not tiny, "activation_checkpointing": "none"},
        "checkpoint": {"interval": steps // 2, "keep_last": 3, "async_save": False, "export_hf": True,
                       "export_dtype": "bfloat16"},
        "metrics": {"log_interval": 10, "tensorboard": False},
        "eval": {"interval": max(1, steps // 4), "batches": 8},
        "vocab": {"tokenizer": str(tokens.parent.parent / "tokenizer" / "tokenizer.model")},
    }
    for dotted, value in sections.items():
        section, key = dotted.split("__", 1)
        cfg.setdefault(section, {})[key] = value
    return cfg


def build_config(raw: dict):
    from training.config import config_from_dict

    return config_from_dict(json.loads(json.dumps(raw)))


def chars_per_token(tokens: Path) -> float:
    meta = json.loads((tokens / "metadata.json").read_text())
    return meta["characters"] / meta["tokens"]


def heldout_texts() -> list[str]:
    from corpus.formats.shard_files import read_texts

    return read_texts(sorted((INPUTS / "heldout").iterdir()))


def eval_copy(model, dtype=None):
    """An uncompiled SDPA copy of the trained weights for scoring (no recompiles of the training graphs)."""
    import dataclasses

    import torch

    from training.model import Transformer

    args = dataclasses.replace(model.args, attn_backend="sdpa")
    copy = Transformer(args)
    copy.load_state_dict({k: v.detach().float().cpu() for k, v in model.state_dict().items()})
    dev = next(model.parameters()).device
    return copy.to(dev, dtype or torch.float32).eval()


def bits_per_char(model, tiny: bool) -> dict:
    from tokenizer.backends import load_tokenizer
    from training.evaluate import bits_per_character

    texts = heldout_texts()
    if tiny:
        texts = [t[:2000] for t in texts]
    tok = load_tokenizer(INPUTS / "tokenizer" / "tokenizer.model")
    scorer = eval_copy(model)
    out = bits_per_character(scorer, tok, texts, seq_len=model.args.max_seq_len, batch_size=8,
                             device=next(scorer.parameters()).device)
    del scorer
    return {k: out[k] for k in ("bits_per_char", "bits_per_token", "characters", "tokens")}


def free_memory() -> None:
    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def launch(argv: list[str], timeout: float | None = None) -> subprocess.CompletedProcess:
    from benchmarks.gpu_checks import launch_command

    say("+ " + " ".join(argv))
    done = subprocess.run(launch_command(argv), cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    sys.stdout.write(done.stdout[-20000:])
    sys.stdout.write(done.stderr[-20000:])
    return done


# -- phase A -------------------------------------------------------------------------------
def part_env(r: Record, tiny: bool) -> None:
    import importlib.util
    import platform

    import torch

    r["python"] = platform.python_version()
    r["torch"] = torch.__version__
    r["cuda"] = torch.version.cuda
    for name in ("transformers", "torchao", "triton", "pydantic", "datatrove", "safetensors", "sentencepiece"):
        try:
            spec = importlib.util.find_spec(name)
        except ImportError:
            spec = None
        if spec is None:
            r[name] = None
            continue
        try:
            r[name] = __import__(name).__version__
        except Exception as err:  # noqa: BLE001 - a package that fails to import is what we want to know
            r[name] = f"import failed: {type(err).__name__}: {err}"[:200]
    if torch.cuda.is_available():
        free, total = torch.cuda.mem_get_info()
        r["device"] = torch.cuda.get_device_name()
        r["capability"] = list(torch.cuda.get_device_capability())
        r["memory_gib"] = {"free": round(free / 2**30, 1), "total": round(total / 2**30, 1)}
    r["inputs"] = json.loads((INPUTS / "inputs.json").read_text())


def part_pytest_gpu(r: Record, tiny: bool) -> None:
    done = launch(["-m", "pytest", "-m", "gpu", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                   "tests/test_train_loop.py"])
    summary = [line for line in done.stdout.splitlines() if re.search(r"\d+ (passed|failed|skipped|error)", line)]
    r["returncode"] = done.returncode
    r["summary"] = summary[-1] if summary else done.stdout[-300:]
    if done.returncode:
        raise SystemExit(done.returncode)


def part_cli_mfu(r: Record, tiny: bool) -> None:
    """`python -m training.cli train` (what `torchrun` and the `jacorpus train` stage run; the
    stage itself needs datatrove, absent on the device) prints MFU on every logged step."""
    import yaml

    tokens = INPUTS / "tokens" / "ja"
    raw = small_config(tokens, tiny, 20, metrics__log_interval=5, checkpoint__enabled=False,
                       checkpoint__export_hf=False, eval__interval=0)
    raw["data"].pop("paths")
    cfg = SCRATCH / "cli_small.yaml"
    cfg.write_text(yaml.safe_dump(raw))
    out = SCRATCH / "cli_run"
    done = launch(["-m", "training.cli", "train", "--config", str(cfg), "--data", str(tokens), "--output", str(out)])
    lines = [line for line in done.stdout.splitlines() if line.startswith("step ") and "tok/s" in line]
    r["returncode"] = done.returncode
    r["step_lines"] = lines
    r["mfu_on_every_step_line"] = bool(lines) and all("mfu" in line for line in lines)
    if done.returncode:
        raise SystemExit(done.returncode)


def part_realdata(r: Record, tiny: bool, float8: bool = False, reference: dict | None = None) -> None:
    from training.trainer import Trainer

    steps = (8 if float8 else 24) if tiny else 240
    tokens = INPUTS / "tokens" / "ja"
    out = SCRATCH / ("realdata_fp8" if float8 else "realdata")
    extra = {"checkpoint__enabled": False, "checkpoint__export_hf": False} if float8 else {}
    raw = small_config(tokens, tiny, steps, parallel__float8=float8, **extra)
    cpt = chars_per_token(tokens)
    r["config"] = raw
    trainer = Trainer(build_config(raw), out, chars_per_token=cpt, quiet=False)
    trainer.setup()
    r["parameters"] = sum(p.numel() for p in trainer.model.parameters())
    r["bits_per_char_init"] = bits_per_char(trainer.model, tiny)
    t0 = time.perf_counter()
    full = trainer.train()
    r["train_s"] = round(time.perf_counter() - t0, 1)
    r["losses"] = full.losses
    r["val_losses"] = full.val_losses
    r["tokens_per_s"], r["mfu"] = full.tokens_per_s, full.mfu
    r["ja_chars_per_s"] = full.tokens_per_s * cpt
    r["loss_first_last"] = [full.losses[0], sum(full.losses[-10:]) / 10]
    r["loss_falls"] = r["loss_first_last"][1] < full.losses[0] - 1.0
    r["bits_per_char_end"] = bits_per_char(trainer.model, tiny)
    r["bits_per_char_falls"] = r["bits_per_char_end"]["bits_per_char"] < r["bits_per_char_init"]["bits_per_char"]
    if float8:
        if reference:
            ref = reference["losses"]
            n = min(len(ref), len(full.losses))
            diffs = [abs(a - b) for a, b in zip(full.losses[:n], ref[:n])]
            r["parity"] = {"steps": n, "mean_abs_loss_diff": sum(diffs) / n, "max_abs_loss_diff": max(diffs),
                           "last10_bf16": sum(ref[n - 10:n]) / 10, "last10_fp8": sum(full.losses[n - 10:n]) / 10,
                           "bits_per_char_bf16": reference.get("bits_per_char_end", {}).get("bits_per_char"),
                           "bits_per_char_fp8": r["bits_per_char_end"]["bits_per_char"]}
        return
    r["hf_export"] = compare_with_transformers(trainer.model, Path(full.export_dir), tiny)
    del trainer
    free_memory()

    middle = out / "checkpoints" / f"step_{steps // 2:08d}"
    resumed_trainer = Trainer(build_config({**raw, "checkpoint": {**raw["checkpoint"], "resume": str(middle),
                                                                   "export_hf": False}}), out, chars_per_token=cpt)
    resumed_trainer.setup()
    r["bits_per_char_middle"] = bits_per_char(resumed_trainer.model, tiny)
    resumed = resumed_trainer.train()
    expected = full.losses[steps // 2:]
    r["resume"] = {"from": middle.name, "losses": resumed.losses,
                   "exact": resumed.losses == expected,
                   "max_abs_diff": max(abs(a - b) for a, b in zip(resumed.losses, expected)) if resumed.losses else None,
                   "deterministic_note": "same process, same compiled kernels; CUBLAS_WORKSPACE_CONFIG=:4096:8"}
    del resumed_trainer
    free_memory()


def compare_with_transformers(model, export: Path, tiny: bool) -> dict:
    """Logits of the exported HF model in transformers vs ours, both in bf16 (on CPU: float32)."""
    import torch
    import transformers

    dev = next(model.parameters()).device
    dtype = torch.bfloat16 if dev.type == "cuda" else torch.float32
    theirs = transformers.LlamaForCausalLM.from_pretrained(str(export), dtype=dtype).to(dev).eval()
    ours = eval_copy(model, dtype)
    from tokenizer.backends import load_tokenizer

    tok = load_tokenizer(export)
    ids = tok.encode(heldout_texts()[0][:4000])[: (256 if tiny else 1024)]
    x = torch.tensor([[tok.bos_id, *ids]], device=dev)
    with torch.no_grad():
        a, b = ours(x).float(), theirs(x).logits.float()
    diff = (a - b).abs()
    loss_a = torch.nn.functional.cross_entropy(a[0, :-1], x[0, 1:]).item()
    loss_b = torch.nn.functional.cross_entropy(b[0, :-1], x[0, 1:]).item()
    result = {"dtype": str(dtype), "tokens": x.shape[1], "max_abs_diff": diff.max().item(),
              "mean_abs_diff": diff.mean().item(), "logit_abs_mean": a.abs().mean().item(),
              "top1_agreement": (a.argmax(-1) == b.argmax(-1)).float().mean().item(),
              "loss_ours": loss_a, "loss_transformers": loss_b}
    result["within_bf16_tolerance"] = result["top1_agreement"] >= 0.98 and abs(loss_a - loss_b) < 0.02
    del theirs, ours
    return result


def part_fp8_parity(r: Record, tiny: bool) -> None:
    import importlib.util

    if importlib.util.find_spec("torchao") is None:
        r["skipped"] = "torchao is not installed: the float8 path needs it (carry its wheel in .whl/)"
        return
    ref_file = SCRATCH / "realdata.json"
    reference = json.loads(ref_file.read_text()) if ref_file.is_file() else None
    part_realdata(r, tiny, float8=True, reference=reference)


def _mfu_args(tiny: bool, config: str, *extra: str, steps: int = 15, warmup: int = 5) -> list[str]:
    if tiny:  # float8 is emulated slowly on CPU: a dry run needs only a few steps
        return ["benchmarks/train_mfu.py", "--tiny", "--steps", str(min(steps, 4)), "--warmup", "1", *extra]
    return ["benchmarks/train_mfu.py", "--config", str(CONFIGS / config), "--seq-len", "8192", "--batch-size", "1",
            "--steps", str(steps), "--warmup", str(warmup), "--shards", str(INPUTS / "synthetic_128k"), *extra]


def time_left() -> float | None:
    """Seconds until the orchestrator kills this part (less a margin to save what we have)."""
    deadline = os.environ.get("GPU_CHECKS_DEADLINE")
    return float(deadline) - time.time() - 8 if deadline else None


def _mfu(r: Record, key: str, argv: list[str]) -> dict:
    """benchmarks/train_mfu.py in a subprocess; its JSON (rewritten after every run in it) is kept
    even when the time runs out half-way."""
    out = SCRATCH / f"{key}.mfu.json"
    out.unlink(missing_ok=True)
    left = time_left()
    error = None
    try:
        if left is not None and left < 10:
            raise subprocess.TimeoutExpired(argv, 0)
        done = launch([*argv, "--json", str(out)], left)
        rc = done.returncode
        if rc:
            error = last_error(done.stdout + "\n" + done.stderr)
    except subprocess.TimeoutExpired:
        rc = "timeout"
    result = json.loads(out.read_text()) if out.is_file() else {}
    for run in result.values():
        if isinstance(run, dict):
            run.pop("losses", None)
    r[key] = {"returncode": rc, **({"error": error} if error else {}), **result}
    return result


def last_error(output: str) -> str:
    """The last exception line of a failed run, so the JSON says whether it was an out-of-memory
    (the answer seq_max looks for) or a bug (which no shorter length will fix)."""
    lines = [line.strip() for line in output.splitlines()
             if re.match(r"\s*([\w.]+(Error|Exception)|torch\.\w+\.\w+Error)\b", line)]
    return lines[-1][:300] if lines else "no exception line in the output"


def is_out_of_memory(error: str | None) -> bool:
    return bool(error) and ("OutOfMemoryError" in error or "out of memory" in error.lower())


WARM_NOTE = "compile-cache warm-up, run beside phase A's other lanes: its tokens/s are not a measurement"


def part_warm_1b(r: Record, tiny: bool) -> None:
    r["note"] = WARM_NOTE
    _mfu(r, "warm", _mfu_args(tiny, "llama3.2-1b.yaml", "--no-baseline", steps=2, warmup=0))


def part_warm_baseline(r: Record, tiny: bool) -> None:
    r["note"] = WARM_NOTE
    _mfu(r, "warm", _mfu_args(tiny, "llama3.2-1b.yaml", "--no-ours", steps=2, warmup=0))


def part_warm_3b(r: Record, tiny: bool) -> None:
    r["note"] = WARM_NOTE
    _mfu(r, "warm", _mfu_args(tiny, "llama3.2-3b.yaml", "--no-baseline", steps=2, warmup=0))


def part_warm_fp8(r: Record, tiny: bool) -> None:
    r["note"] = WARM_NOTE
    _mfu(r, "warm", _mfu_args(tiny, "llama3.2-1b.yaml", "--no-baseline", "--set", "parallel.float8=true",
                              steps=2, warmup=0))


# -- phase B -------------------------------------------------------------------------------
def part_mfu_1b(r: Record, tiny: bool) -> None:
    """Ours as configured (fused head + loss), ours with the loss unfused (the 55.2% run's
    configuration) and transformers, in one process: the ratios are this part's result."""
    _mfu(r, "bf16", _mfu_args(tiny, "llama3.2-1b.yaml", "--variant", "plain-loss:training.loss_chunk=0"))


def part_mfu_levers(r: Record, tiny: bool) -> None:
    """FSDP2 on one GPU: bf16 parameters gathered once per block instead of autocast's casts."""
    _mfu(r, "levers", _mfu_args(tiny, "llama3.2-1b.yaml", "--no-baseline", "--set", "parallel.fsdp=on",
                                "--variant", "fsdp-batch2:parallel.fsdp=on;data.batch_size=2"))


def part_mfu_3b(r: Record, tiny: bool) -> None:
    _mfu(r, "bf16", _mfu_args(tiny, "llama3.2-3b.yaml", "--no-baseline", steps=12, warmup=5))


def part_fp8_speed(r: Record, tiny: bool) -> None:
    import importlib.util

    if importlib.util.find_spec("torchao") is None:
        r["skipped"] = "torchao is not installed: the float8 path needs it (carry its wheel in .whl/)"
        return
    result = _mfu(r, "fp8", _mfu_args(tiny, "llama3.2-1b.yaml", "--no-baseline", "--variant",
                                      "float8:parallel.float8=true"))
    if "ours" in result and "float8" in result:  # bf16 and float8 in one process: the speed-up is same-run
        r["float8_over_bf16"] = result["float8"]["tokens_per_s_per_device"] / result["ours"]["tokens_per_s_per_device"]


SEQ_SEARCH = {"start": 32768, "floor": 8192, "cap": 131072, "grain": 8192, "trials": 4}
"""Device search: Llama 3.2's context is 128k (max_position_embeddings 131072), so a length past it
is not worth device time; 8192 is known to fit without AC (mfu_1b). The H200 run found 32k-128k
untried (every trial failed on a config bug), so the search starts low and doubles."""
SEQ_SEARCH_TINY = {"start": 128, "floor": 64, "cap": 512, "grain": 64, "trials": 4}


def next_length(ok: int | None, bad: int | None, search: dict) -> int | None:
    """The next length to try, or None when the search is done: double while it fits (up to the
    cap), halve while it does not (down to the floor), then bisect once on the grain."""
    if bad is None:
        return ok * 2 if ok * 2 <= search["cap"] else None
    if ok is None:
        return bad // 2 if bad // 2 >= search["floor"] else None
    middle = (ok + bad) // 2 // search["grain"] * search["grain"]
    return middle if ok < middle < bad else None


def part_seq_max(r: Record, tiny: bool) -> None:
    """Longest sequence that trains (2 steps) with selective AC, by `next_length`; one process per
    length, so an out-of-memory stays there. A failure that is not an out-of-memory ends the search
    (a bug fails at every length: the H200 run lost 180 s halving through one)."""
    search = SEQ_SEARCH_TINY if tiny else SEQ_SEARCH
    config = "tiny.yaml" if tiny else "llama3.2-1b.yaml"
    trials: dict[int, str] = {}
    ok = bad = None
    length = search["start"]
    while length is not None and len(trials) < search["trials"]:
        # the shape goes in as JSON, as a user would pass it: it must name the length trained
        extra = ["--no-baseline", "--seq-len", str(length), "--steps", "2", "--warmup", "0",
                 "--set", "parallel.activation_checkpointing=selective", "--set", "parallel.ac_every=2",
                 "--set", f"model.shape={json.dumps(_shape_with_len(config, length))}"]
        key = f"len_{length}"
        result = _mfu(r, key, _mfu_args(tiny, config) + extra)
        error = r[key].get("error")
        if "ours" in result:
            trials[length] = f"fits ({result['ours']['memory_gib']:.1f} GiB peak)"
            ok = max(ok or 0, length)
        elif is_out_of_memory(error):
            trials[length] = "out of memory"
            bad = min(bad or length, length)
        else:
            timed_out = r[key]["returncode"] == "timeout"
            trials[length] = "timed out: the part's time ran out" if timed_out else f"error: {error}"
            r["trials"] = trials
            r["stopped"] = "out of time" if timed_out else "an error that is not an out-of-memory: a bug, not a length"
            break
        r["trials"] = trials
        length = next_length(ok, bad, search)
    r["largest_that_fits"] = ok
    r["search"] = search
    r["reached_cap"] = ok == search["cap"]


def _shape_with_len(config: str, length: int) -> dict:
    from training.config import load_config

    shape = dict(load_config(CONFIGS / config).model.shape)
    shape["max_seq_len"] = max(shape["max_seq_len"], length)
    return shape


def part_vocab(r: Record, tiny: bool) -> None:
    """Swallow's argument measured: the expanded tokenizer covers more Japanese characters per
    token, so at (about) equal MFU the model reads more characters per second."""
    from training.hf_io import save_random_init
    from training.model import ModelArgs
    from training.trainer import Trainer
    from training.vocab_expansion import load_mapping

    base_tokens, exp_tokens = INPUTS / "tokens" / "llama2", INPUTS / "tokens" / "llama2-ja"
    shape = small_shape(32000, tiny)
    base_dir = save_random_init(ModelArgs(**shape), SCRATCH / "llama2_base_init", seed=0)
    steps = 8 if tiny else 40
    warm = 3 if tiny else 10
    common = dict(metrics__log_interval=1, checkpoint__enabled=False, checkpoint__export_hf=False, eval__batches=0,
                  eval__interval=0)
    runs = {}
    expanded = {"tokenizer": str(INPUTS / "llama2-ja" / "tokenizer.model"), "new_rows_warmup_steps": warm,
                "mapping": str(INPUTS / "llama2-ja" / "vocab_mapping.json")}
    for label, tokens, vocab in (("base", base_tokens, {"tokenizer": str(INPUTS / "llama2" / "tokenizer.model")}),
                                 ("expanded", exp_tokens, expanded)):
        raw = small_config(tokens, tiny, steps, shape=shape, **common)
        raw["model"] = {"init_from": str(base_dir), "document_masking": True}
        raw["vocab"] = vocab
        out = SCRATCH / f"vocab_{label}"
        trainer = Trainer(build_config(raw), out, chars_per_token=chars_per_token(tokens), quiet=True)
        trainer.setup()
        if label == "expanded":
            r["mean_init"] = check_mean_init(trainer, base_dir, load_mapping(vocab["mapping"]))
        result = trainer.train()
        rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
        timed = [x for x in rows if "tokens_per_s" in x and x["step"] > warm + 2] or rows[-1:]
        med = lambda key: sorted(x.get(key) or 0 for x in timed)[len(timed) // 2]  # noqa: E731
        runs[label] = {"vocab_size": trainer.args.vocab_size, "chars_per_token": chars_per_token(tokens),
                       "tokens_per_s": med("tokens_per_s"), "mfu": med("mfu") or None,
                       "ja_chars_per_s": med("ja_chars_per_s"), "loss_first_last": [result.losses[0], result.losses[-1]]}
        r["runs"] = runs
        if label == "expanded":
            r["warmup_kept_base_rows"] = check_warmup(warm, raw)
        del trainer
        free_memory()
    b, e = runs["base"], runs["expanded"]
    r["ja_chars_per_s_ratio"] = e["ja_chars_per_s"] / b["ja_chars_per_s"]
    if b["mfu"] and e["mfu"]:
        r["ja_chars_per_s_ratio_at_equal_mfu"] = (e["ja_chars_per_s"] / e["mfu"]) / (b["ja_chars_per_s"] / b["mfu"])


def check_mean_init(trainer, base_dir: Path, mapping) -> dict:
    """New embedding rows equal the mean of their base pieces' rows (Swallow sec. 3.2)."""
    import torch

    from training.hf_io import load_hf_state_dict

    base = load_hf_state_dict(base_dir, dtype=torch.float32)["tok_embeddings.weight"]
    grown = trainer.model.tok_embeddings.weight.detach().float().cpu()
    worst = 0.0
    for token, pieces in list(mapping.pieces.items())[:500]:
        worst = max(worst, (grown[token] - base[pieces].mean(0)).abs().max().item())
    return {"new_tokens": len(mapping.pieces), "checked": min(500, len(mapping.pieces)), "max_abs_diff": worst,
            "base_rows_equal": bool(torch.equal(grown[: mapping.base_vocab_size], base[: mapping.base_vocab_size]))}


def check_warmup(warm: int, raw: dict) -> dict:
    """A second run of exactly `warm` steps: only new rows may have moved."""
    import torch

    from training.trainer import Trainer

    raw = {**raw, "training": {**raw["training"], "max_steps": warm}}
    t = Trainer(build_config(raw), SCRATCH / "vocab_warmup_only", quiet=True)
    t.setup()
    start = {k: v.detach().clone() for k, v in t.model.state_dict().items()}
    t.train()
    after = t.model.state_dict()
    base = t.mapping.base_vocab_size
    changed = [k for k in start if k != "tok_embeddings.weight" and k != "output.weight" and not torch.equal(start[k], after[k])]
    emb0, emb1 = start["tok_embeddings.weight"], after["tok_embeddings.weight"]
    result = {"steps": warm, "other_weights_changed": changed[:5],
              "base_rows_identical": bool(torch.equal(emb0[:base], emb1[:base])),
              "new_rows_moved": bool(not torch.equal(emb0[base:], emb1[base:]))}
    del t
    return result


PARTS = {
    "env": part_env, "pytest_gpu": part_pytest_gpu, "cli_mfu": part_cli_mfu, "realdata": part_realdata,
    "fp8_parity": part_fp8_parity, "warm_1b": part_warm_1b, "warm_baseline": part_warm_baseline,
    "warm_3b": part_warm_3b, "warm_fp8": part_warm_fp8, "mfu_1b": part_mfu_1b, "mfu_levers": part_mfu_levers, "mfu_3b": part_mfu_3b, "fp8_speed": part_fp8_speed,
    "vocab": part_vocab, "seq_max": part_seq_max,
}


def run_part(name: str, result: Path, tiny: bool) -> int:
    r = Record(result)
    r["part"] = name
    t0 = time.perf_counter()
    try:
        PARTS[name](r, tiny)
    finally:
        r["seconds"] = round(time.perf_counter() - t0, 1)
    return 0
