"""Training throughput and MFU: our trainer vs transformers' LlamaForCausalLM, same shape, same run.

    # one H100, Llama-3.2-1B shape, sequence 8192, bf16 (the issue's target: >= 45% MFU)
    python benchmarks/train_mfu.py --config training/configs/llama3.2-1b.yaml --seq-len 8192
    # CPU smoke run of the script itself (tiny model)
    python benchmarks/train_mfu.py --tiny

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
from training.data import write_token_shard
from training.metrics import flops_per_token, peak_flops
from training.model import ModelArgs


def write_shards(folder: Path, vocab: int, tokens: int, mean_doc: int, seed: int = 0) -> None:
    """Random documents with log-normal lengths (median `mean_doc`), in Megatron format
    (training.data.write_token_shard: datatrove's bytes, without needing datatrove on a GPU box)."""
    rng = np.random.default_rng(seed)
    docs, written = [], 0
    while written < tokens:
        n = int(np.clip(rng.lognormal(np.log(mean_doc), 0.8), 16, 8 * mean_doc))
        docs.append(rng.integers(3, vocab, n))
        written += n
    write_token_shard(folder / "bench_00000_tokens", docs, vocab)


def run_ours(config_path: Path, seq_len: int, batch: int, steps: int, warmup: int, compile_: bool, device: str,
             work: Path, mean_doc: int) -> dict:
    from training.trainer import Trainer

    base = load_config(config_path)
    vocab = base.model.shape["vocab_size"]
    shards = work / "shards"
    shards.mkdir(parents=True, exist_ok=True)
    write_shards(shards, vocab, tokens=seq_len * batch * (steps + 4), mean_doc=mean_doc)
    overrides = {
        "data.paths": [str(shards)], "data.seq_len": seq_len, "data.batch_size": batch, "data.val_fraction": 0.0,
        "training.max_steps": steps, "training.grad_accum": 1, "training.device": device,
        "parallel.compile": compile_, "checkpoint.enabled": False, "checkpoint.export_hf": False,
        "checkpoint.resume": "none", "eval.batches": 0, "metrics.log_interval": 1, "metrics.tensorboard": False,
    }
    config = load_config(config_path, overrides)
    trainer = Trainer(config, work / "out", quiet=True)
    started = time.perf_counter()
    trainer.train()
    rows = [json.loads(line) for line in (work / "out" / "metrics.jsonl").read_text().splitlines()]
    per_step = [r for r in rows if "tokens_per_s_per_device" in r and r["step"] > warmup]
    tps = statistics.median(r["tokens_per_s_per_device"] for r in per_step)
    mem = max(r.get("memory_gib", 0) for r in per_step)
    return {"tokens_per_s_per_device": tps, "memory_gib": mem, "wall_s": time.perf_counter() - started,
            "args": trainer.args}


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
    p.add_argument("--seq-len", type=int, default=8192)
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=10, help="steps left out of the median (compile, allocator)")
    p.add_argument("--doc-len", type=int, default=2048, help="median synthetic document length in tokens")
    p.add_argument("--no-compile", action="store_true")
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--tiny", action="store_true", help="CPU smoke run with training/configs/tiny.yaml")
    p.add_argument("--json", help="also write the results here")
    a = p.parse_args()
    device = "cuda" if torch.cuda.is_available() and not a.tiny else "cpu"
    if a.tiny:
        a.config, a.seq_len, a.batch_size, a.steps, a.warmup, a.doc_len = (
            str(ROOT / "training" / "configs" / "tiny.yaml"), 128, 4, 12, 3, 64)
        torch.set_num_threads(1)
    compile_ = not a.no_compile and device == "cuda"
    dev = torch.device(device)
    name = torch.cuda.get_device_name(dev) if device == "cuda" else "cpu (1 thread)"
    print(f"device: {name}; config {Path(a.config).name}; seq {a.seq_len} x batch {a.batch_size}; "
          f"compile {compile_}; {a.steps} steps, median after {a.warmup}")
    with tempfile.TemporaryDirectory() as tmp:
        ours = run_ours(Path(a.config), a.seq_len, a.batch_size, a.steps, a.warmup, compile_, device, Path(tmp), a.doc_len)
    args = ours.pop("args")
    fpt = flops_per_token(args, a.seq_len)
    peak = peak_flops(dev)
    results = {"device": name, "seq_len": a.seq_len, "batch_size": a.batch_size, "flops_per_token": fpt,
               "peak_flops": peak, "ours": ours}
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
    print(f"{'':<28} {'tokens/s/device':>16} {'MFU':>7} {'peak GiB':>9}")
    for key, label in (("ours", "ours (Trainer, doc masking)"), ("baseline", "transformers LlamaForCausalLM")):
        if key in results:
            r = results[key]
            r["mfu"] = r["tokens_per_s_per_device"] * fpt / peak if peak else None
            mfu = f"{r['mfu']:.1%}" if r["mfu"] is not None else "n/a"
            print(f"{label:<28} {r['tokens_per_s_per_device']:>16,.0f} {mfu:>7} {r['memory_gib']:>9.2f}")
    if "baseline" in results and results["baseline"]["tokens_per_s_per_device"] > 0:  # False for NaN
        results["ratio"] = results["ours"]["tokens_per_s_per_device"] / results["baseline"]["tokens_per_s_per_device"]
        print(f"ratio ours / baseline: {results['ratio']:.2f}x")
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
