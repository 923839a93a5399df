"""The `train` stage: continue pre-training a Llama on the tokenize stage's token shards.

Reads the `.bin/.idx` shards and `metadata.json` (which names the tokenizer) from the
tokenize stage; writes `checkpoints/` (torch.distributed.checkpoint), `hf/` (safetensors +
config + tokenizer, loadable by transformers), `metrics.jsonl` and `train_config.json`.

Without `init_from`, the stage first writes random weights of the config's tiny Llama
shape in Hugging Face format (`init_hf/`) and continues from those, so the demo runs the
same "Llama weights in" path a user runs with real weights. Documents are all kept:
training excludes nothing, so in = kept = documents in the shards.

The setup (shards by source, the tokenizer, source weights, vocabulary expansion, the random
init, the config loaded once) lives in `training/stage_setup.py`, beside the trainer; this
module is the stage around it: options, accounting, the report. torch is imported inside
`run`: the pipeline imports without the `train` extra.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from corpus.config import Strict
from corpus.run.stage import FunctionStage, StageContext


class Options(Strict):
    config: str = Field("training/configs/tiny.yaml", description="training YAML; relative paths also resolve "
                        "against the project root (training/configs/ has tiny, llama3.2-1b, llama3.2-3b, llama3.1-8b)")
    init_from: str | None = Field(None, description="HF Llama directory to continue from; None = random "
                                  "init of the config's shape, saved in HF format first")
    max_steps: int | None = Field(None, ge=1, description="overrides training.max_steps")
    seq_len: int | None = Field(None, ge=8, description="overrides data.seq_len")
    batch_size: int | None = Field(None, ge=1, description="overrides data.batch_size")
    device: Literal["auto", "cpu", "cuda"] | None = Field(None, description="overrides training.device")
    set: dict[str, Any] = Field(default_factory=dict, description="more overrides as section.key: value "
                                "(e.g. optim.lr: 1.0e-4)")


def overrides(opts: Options) -> dict[str, Any]:
    """The stage's options as trainer config overrides (dotted keys, as `--set` takes them)."""
    out = dict(opts.set)
    for key, value in (("training.max_steps", opts.max_steps), ("data.seq_len", opts.seq_len),
                       ("data.batch_size", opts.batch_size), ("training.device", opts.device),
                       ("model.init_from", opts.init_from)):
        if value is not None:
            out[key] = value
    return out


def run(ctx: StageContext) -> dict:
    from corpus.config import ConfigError
    from training.checkpoint import CheckpointRefused
    from training.stage_setup import prepare, run_figures
    from training.trainer import Trainer

    opts: Options = ctx.options  # type: ignore[assignment]
    setup = prepare(ctx.inputs, opts.config, overrides(opts), ctx.stage_dir, ctx.say)
    try:
        result = Trainer(setup.config, ctx.stage_dir, setup.groups, chars_per_token=setup.chars_per_token,
                         quiet=ctx.quiet).train()
    except CheckpointRefused as err:  # one line and exit 2, never a traceback
        raise ConfigError(f"train: {err}") from None
    n_docs = setup.documents
    return {
        "documents": {"in": n_docs, "kept": n_docs, "excluded": 0},
        "excluded_by_reason": {},
        "figures": run_figures(setup, result),
    }


STAGE = FunctionStage(
    name="train",
    options=Options,
    reads="token shards (.bin/.idx) from the tokenize stage",
    writes="checkpoints, HF export, metrics",
    run=run,
)
