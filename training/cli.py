"""Command lines of the trainer.

- `jacorpus evaluate MODEL... --text FILE...`: bits per character of one or more HF Llama
  directories on held-out text (mounted into the project CLI by `add_evaluate_parser`).
- `python -m training.cli train --config C --data DIR --output OUT`: the trainer alone, the
  form `torchrun --nproc_per_node 8 -m training.cli train ...` starts on GPU machines
  (`jacorpus train` runs the same trainer as a pipeline stage, with accounting).
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def _evaluate(args: argparse.Namespace) -> int:
    try:
        from training.evaluate import evaluate_model
    except ImportError as err:
        print(f"jacorpus evaluate: {err}; install with: pip install 'jacorpus[train]'", file=sys.stderr)
        return 2

    rows = []
    for model in args.models:
        try:
            rows.append(evaluate_model(model, args.text, args.tokenizer, args.seq_len, args.batch_size,
                                       args.max_chars, args.device))
        except (FileNotFoundError, ValueError, KeyError) as err:
            print(f"jacorpus evaluate: {model}: {err}", file=sys.stderr)
            return 2
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    print(f"{'model':<40} {'bits/char':>10} {'bits/token':>10} {'chars/token':>11} {'characters':>11}")
    for r in rows:
        print(f"{r['model'][-40:]:<40} {r['bits_per_char']:>10.4f} {r['bits_per_token']:>10.4f} "
              f"{r['chars_per_token']:>11.3f} {r['characters']:>11,}")
    return 0


def add_evaluate_parser(subparsers) -> argparse.ArgumentParser:
    """`evaluate`: bits per Japanese character of HF Llama models on held-out text."""
    p = subparsers.add_parser(
        "evaluate",
        help="bits per Japanese character of HF Llama models on held-out text",
        description="Reads HF Llama directories (config.json + safetensors + tokenizer) and held-out text "
                    "(.txt, .jsonl with 'text', or parquet shards); prints bits per character, which compares "
                    "models with different tokenizers fairly. Writes nothing.",
    )
    p.add_argument("models", nargs="+", help="HF model directories (e.g. RUN/train/hf)")
    p.add_argument("--text", nargs="+", required=True, help="held-out text files")
    p.add_argument("--tokenizer", default=None, help="tokenizer file/dir (default: the one in each model dir)")
    p.add_argument("--seq-len", type=int, default=2048, help="window length in tokens (default 2048)")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-chars", type=int, default=None, help="score only the first N characters")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--json", action="store_true", help="one JSON object per model")
    p.set_defaults(func=_evaluate)
    return p


def _train(args: argparse.Namespace) -> int:
    from corpus.config import ConfigError
    from training.checkpoint import CheckpointRefused
    from corpus.overrides import parse_overrides
    from training.config import load_config
    from training.trainer import Trainer

    try:
        overrides = parse_overrides(args.set, min_depth=2)
        if args.data:
            overrides["data.paths"] = args.data
        if args.init_from:
            overrides["model.init_from"] = args.init_from
        config = load_config(args.config, overrides)
    except ConfigError as err:
        print(str(err), file=sys.stderr)
        return 2
    try:
        result = Trainer(config, args.output).train()
    except CheckpointRefused as err:
        print(str(err), file=sys.stderr)
        return 2
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps({"steps": result.steps, "first_loss": result.losses[0] if result.losses else None,
                          "last_loss": result.losses[-1] if result.losses else None,
                          "tokens_per_s": result.tokens_per_s, "mfu": result.mfu, "export": result.export_dir}))
    return 0


def add_train_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("train", help="continued pre-training on token shards (torchrun-able)",
                              description="Reads token shards (.bin/.idx) and optional HF Llama weights; writes "
                                          "checkpoints, metrics and a HF export under --output.")
    p.add_argument("--config", required=True, help="training YAML (training/configs/*.yaml)")
    p.add_argument("--data", nargs="+", help="token shard files or directories (overrides data.paths)")
    p.add_argument("--init-from", help="HF Llama directory to continue from (overrides model.init_from)")
    p.add_argument("--output", required=True, help="output directory")
    p.add_argument("--set", action="append", metavar="SECTION.KEY=VALUE", help="override a config key (repeatable)")
    p.set_defaults(func=_train)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.cli", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    add_train_parser(sub)
    add_evaluate_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def _exit_after_distributed_run(code: int) -> None:
    """End a torchrun worker without interpreter shutdown once its work is on disk.

    Under load, a gloo worker that finished and destroyed its process group sometimes aborts
    in a C++ destructor during interpreter shutdown ("terminate called without an active
    exception", SIGABRT; seen in 1 of ~8 CPU runs beside two busy loops), and torchrun then
    reports a finished run as failed. Checkpoints, metrics and the export are written and
    closed by then, so skipping the destructors loses nothing.
    """
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    _exit_after_distributed_run(main())
