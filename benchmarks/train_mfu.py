"""Training throughput and MFU: our trainer vs transformers' LlamaForCausalLM, same shape, same run.

    # one H100, Llama-3.2-1B shape, sequence 8192, bf16 (the issue's target: >= 45% MFU)
    python benchmarks/train_mfu.py --config training/configs/llama3.2-1b.yaml --seq-len 8192
    # CPU smoke run of the script itself (tiny model)
    python benchmarks/train_mfu.py --tiny
    # levers in the same run: the unfused loss, FSDP2's bf16 parameters on one GPU
    python benchmarks/train_mfu.py --variant "plain-loss:training.loss_chunk=0" --variant "fsdp:parallel.fsdp=on"

Ours runs the real `Trainer` (packed documents with document masking, FlexAttention,
per-block torch.compile, fused AdamW, NaN checks) on synthetic token shards written
first; per-step figures come from its `metrics.jsonl`. The baseline is a plain training
step of `transformers.LlamaForCausalLM` (SDPA causal attention, bf16 autocast, fused
AdamW, no document masking) on random tokens. Both use the MFU formula of
training/metrics.py: 6N (all weights but the input embedding; the head counted) plus
12*L*H*Dh*T. Medians over the steps after warm-up; ratio = ours / baseline.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training.config import load_config
from corpus.formats.megatron_format import write_token_shard
from training.metrics import flops_per_token, peak_flops
from training.model import ModelArgs


def write_shards(folder: Path, vocab: int, tokens: int, mean_doc: int, seed: int = 0) -> None:
    """Random documents with log-normal lengths (median `mean_doc`), in Megatron format
    (corpus.formats.megatron_format.write_token_shard: datatrove's bytes, without needing datatrove on a GPU box)."""
    rng = np.random.default_rng(seed)
    docs, written = [], 0
    while written < tokens:
        n = int(np.clip(rng.lognormal(np.log(mean_doc), 0.8), 16, 8 * mean_doc))
        docs.append(rng.integers(3, vocab, n))
        written += n
    write_token_shard(folder / "bench_00000_tokens", docs, vocab)


def run_ours(config_path: Path, seq_len: int, batch: int, steps: int, warmup: int, compile_: bool, device: str,
             work: Path, mean_doc: int, shards: Path | None = None, extra: dict | None = None) -> dict:
    """The real Trainer for `steps` steps; `extra` are more config overrides (a variant)."""
    import gc

    from training.trainer import Trainer

    base = load_config(config_path)
    vocab = base.model.shape["vocab_size"]
    if shards is None:
        shards = work / "shards"
        if not shards.is_dir():
            shards.mkdir(parents=True)
            write_shards(shards, vocab, tokens=seq_len * batch * (steps + 4), mean_doc=mean_doc)
    overrides = {
        "data.paths": [str(shards)], "data.seq_len": seq_len, "data.batch_size": batch, "data.val_fraction": 0.0,
        "training.max_steps": steps, "training.grad_accum": 1, "training.device": device,
        "parallel.compile": compile_, "checkpoint.enabled": False, "checkpoint.export_hf": False,
        "checkpoint.resume": "none", "eval.batches": 0, "metrics.log_interval": 1, "metrics.tensorboard": False,
        **(extra or {}),
    }
    config = load_config(config_path, overrides)
    out = work / f"out_{len(list(work.glob('out_*')))}"
    if device == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    trainer = Trainer(config, out, quiet=True)
    started = time.perf_counter()
    trainer.train()
    wall = time.perf_counter() - started
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    per_step = [r for r in rows if "tokens_per_s_per_device" in r and r["step"] > warmup] or rows[-1:]
    tps = statistics.median(r["tokens_per_s_per_device"] for r in per_step)
    mem = max(r.get("memory_gib", 0) for r in per_step)
    first = next((r for r in rows if r["step"] == 1), {})
    first_s = seq_len * batch / first["tokens_per_s_per_device"] if first.get("tokens_per_s_per_device") else None
    args = trainer.args
    del trainer
    gc.collect()
    return {"tokens_per_s_per_device": tps, "memory_gib": mem, "wall_s": wall, "first_step_s": first_s,
            "losses": [r["loss"] for r in rows if "loss" in r], "overrides": extra or {}, "args": args}


def parse_sets(items: list[str] | None) -> dict:
    """`KEY=VALUE` strings -> overrides, read as the trainer's CLI reads them (YAML 1.2 floats)."""
    from corpus.config import ConfigError
    from corpus.overrides import parse_overrides

    try:
        return parse_overrides(items, min_depth=2)
    except ConfigError as err:
        raise SystemExit(str(err)) from None


def run_baseline(args: ModelArgs, seq_len: int, batch: int, steps: int, warmup: int, compile_: bool, device: str) -> dict:
    import transformers

    from training.hf_io import hf_config_from_args

    config = transformers.LlamaConfig(**{k: v for k, v in hf_config_from_args(args, "float32").items()
                                         if k not in ("architectures", "torch_dtype", "dtype", "rope_scaling", "rope_theta")})
    config._attn_implementation = "sdpa"
    dev = torch.device(device)
    model = transformers.LlamaForCausalLM(config).to(dev).train()
    if compile_:
        model.compile()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=dev.type == "cuda")
    amp = torch.autocast("cuda", dtype=torch.bfloat16) if dev.type == "cuda" else torch.autocast("cpu", enabled=False)
    times = []
    for step in range(steps):
        x = torch.randint(3, args.vocab_size, (batch, seq_len + 1), device=dev)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        with amp:
            logits = model(input_ids=x[:, :-1]).logits
        loss = torch.nn.functional.cross_entropy(logits.float().flatten(0, 1), x[:, 1:].flatten())
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        if step >= warmup:
            times.append(time.perf_counter() - t)
    mem = torch.cuda.max_memory_allocated(dev) / 2**30 if dev.type == "cuda" else float("nan")
    return {"tokens_per_s_per_device": batch * seq_len / statistics.median(times), "memory_gib": mem}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default=str(ROOT / "training" / "configs" / "llama3.2-1b.yaml"))
    p.add_argument("--seq-len", type=int, default=None, help="default 8192 (128 with --tiny)")
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--steps", type=int, default=None, help="default 30 (12 with --tiny)")
    p.add_argument("--warmup", type=int, default=None, help="steps left out of the median (compile, allocator); "
                                                             "default 10 (3 with --tiny)")
    p.add_argument("--doc-len", type=int, default=2048, help="median synthetic document length in tokens")
    p.add_argument("--no-compile", action="store_true")
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--tiny", action="store_true", help="CPU smoke run with training/configs/tiny.yaml")
    p.add_argument("--json", help="also write the results here")
    p.add_argument("--shards", help="pre-written token shards to train ours on (default: write random ones)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="config override for ours (repeatable)")
    p.add_argument("--variant", action="append", metavar="NAME:KEY=VALUE[;KEY=VALUE]",
                   help="one more run of ours in the same process with these overrides on top of --set (repeatable)")
    p.add_argument("--no-ours", action="store_true", help="only the baseline (e.g. to warm its compile cache)")
    a = p.parse_args()
    device = "cuda" if torch.cuda.is_available() and not a.tiny else "cpu"
    if a.tiny:
        a.config, a.batch_size, a.doc_len = str(ROOT / "training" / "configs" / "tiny.yaml"), 4, 64
        a.seq_len, a.steps, a.warmup = a.seq_len or 128, a.steps or 12, a.warmup if a.warmup is not None else 3
        torch.set_num_threads(1)
    a.seq_len, a.steps, a.warmup = a.seq_len or 8192, a.steps or 30, a.warmup if a.warmup is not None else 10
    compile_ = not a.no_compile and device == "cuda"
    dev = torch.device(device)
    name = torch.cuda.get_device_name(dev) if device == "cuda" else "cpu (1 thread)"
    print(f"device: {name}; config {Path(a.config).name}; seq {a.seq_len} x batch {a.batch_size}; "
          f"compile {compile_}; {a.steps} steps, median after {a.warmup}")
    sets = parse_sets(a.set)
    variants = {}
    for item in a.variant or []:
        label, _, rest = item.partition(":")
        variants[label] = {**sets, **parse_sets([x for x in rest.split(";") if x])}
    results = {"device": name, "seq_len": a.seq_len, "batch_size": a.batch_size, "peak_flops": peak_flops(dev)}
    shards = Path(a.shards) if a.shards else None
    with tempfile.TemporaryDirectory() as tmp:
        runs = {} if a.no_ours else {"ours": sets, **variants}
        for label, overrides in runs.items():
            results[label] = run_ours(Path(a.config), a.seq_len, a.batch_size, a.steps, a.warmup, compile_, device,
                                      Path(tmp), a.doc_len, shards, overrides)
            args = results[label].pop("args")
            _write(a.json, results)
    if a.no_ours:
        args = ModelArgs(**load_config(Path(a.config)).model.shape)
    fpt = flops_per_token(args, a.seq_len)
    peak = results["peak_flops"]
    results["flops_per_token"] = fpt
    if not a.no_baseline:
        if device == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        try:
            results["baseline"] = run_baseline(args, a.seq_len, a.batch_size, a.steps, a.warmup, compile_, device)
        except Exception as err:  # noqa: BLE001 - OOM or a transformers version that cannot build/compile it: say so, keep ours
            results["baseline"] = {"tokens_per_s_per_device": float("nan"), "memory_gib": float("nan"),
                                   "error": f"{type(err).__name__}: {str(err)[:200]}"}
            print(f"baseline failed: {results['baseline']['error']}")
    labels = [("ours", "ours (Trainer, doc masking)"), *((v, f"ours, {v}") for v in variants),
              ("baseline", "transformers LlamaForCausalLM")]
    print(f"{'':<36} {'tokens/s/device':>16} {'MFU':>7} {'peak GiB':>9}")
    for key, label in labels:
        if key in results:
            r = results[key]
            r["mfu"] = r["tokens_per_s_per_device"] * fpt / peak if peak else None
            mfu = f"{r['mfu']:.1%}" if r["mfu"] is not None else "n/a"
            print(f"{label:<36} {r['tokens_per_s_per_device']:>16,.0f} {mfu:>7} {r['memory_gib']:>9.2f}")
    base = results.get("baseline", {}).get("tokens_per_s_per_device", float("nan"))
    if base > 0:  # False for NaN
        for key, _ in labels[:-1]:
            if key in results:
                ratio = results[key]["tokens_per_s_per_device"] / base
                results[key]["ratio_to_baseline"] = ratio
                print(f"ratio {key} / baseline: {ratio:.2f}x")
        if "ours" in results:
            results["ratio"] = results["ours"]["ratio_to_baseline"]
    for key in variants:  # a lever's gain, measured in the same process as ours
        if "ours" in results and key in results:
            ratio = results[key]["tokens_per_s_per_device"] / results["ours"]["tokens_per_s_per_device"]
            results[key]["ratio_to_ours"] = ratio
            print(f"ratio {key} / ours: {ratio:.2f}x")
    _write(a.json, results)
    return 0


def _write(path: str | None, results: dict) -> None:
    """Results so far (a variant that crashes or a timeout leaves the earlier ones on disk)."""
    if path:
        Path(path).write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    sys.exit(main())
