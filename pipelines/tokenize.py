"""Stage `tokenize`: kept documents -> Megatron token shards, one `.bin/.idx` set per source per task.

    shards (parquet) -> empty text (excluded: empty_text) -> tokenizer + Megatron writer

Writes `<stage>/<source>/<task>.bin/.idx` (layout: corpus/formats/megatron_format.py and
docs/tokenizer.md), `<source>/<task>.docs.parquet` (id, licence, tokens of every document in
index order) and `metadata.json`: the tokenizer (path, sha256, vocab size, bos/eos ids),
token counts and licences per source, and a ready `--data-path` for Megatron-LM.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import Field

from corpus.config import ConfigError, Strict
from corpus.readers.exclusion import ExcludeMarked
from corpus.readers.document_reader import document_reader
from corpus.readers.input_formats import InputOptions
from corpus.run.stage import DatatroveStage, StageContext
from tokenizer.backends import load_tokenizer
from corpus.formats.megatron_format import count, dtype_for_vocab, shard_prefixes
from tokenizer.token_shards import EmptyTextFilter, MegatronShardWriter


class Options(Strict):
    tokenizer: str | None = Field(
        None, description="a .model (SentencePiece, fastest) or tokenizer.json, or a folder holding one; "
                          "null in a pipeline run = RUN/tokenizer/tokenizer.model")
    add_bos: bool = Field(True, description="start every document with the tokenizer's BOS id (Llama convention)")
    add_eos: bool = Field(True, description="end every document with the EOS id (Megatron's EOD, Llama's </s>)")
    batch_size: int = Field(512, ge=1, description="documents encoded per call")
    weights: dict[str, float] = Field(
        default_factory=dict,
        description="per-source sampling weights for the Megatron --data-path written to metadata.json; "
                    "1.0 = natural proportion by tokens, 2.0 = seen twice as often; sources not named get 1.0",
    )
    input: InputOptions = Field(default_factory=InputOptions, description="how to read inputs that are not our "
                                "shards: jsonl / parquet text key, id key, .txt splitting (docs/inputs.md)")


def _tokenizer_path(ctx: StageContext) -> str:
    opts: Options = ctx.options  # type: ignore[assignment]
    if not opts.tokenizer:
        raise ConfigError("tokenize: no tokenizer given; set options.tokenizer to a .model or tokenizer.json")
    path = Path(opts.tokenizer)
    if not path.exists():
        raise ConfigError(f"tokenize: tokenizer not found: {path}")
    return str(load_tokenizer(path).path.resolve())


def build(ctx: StageContext) -> list:
    opts: Options = ctx.options  # type: ignore[assignment]
    return [
        document_reader(ctx),
        ExcludeMarked(exclusion_writer=ctx.exclusion_writer("reader")),
        EmptyTextFilter(exclusion_writer=ctx.exclusion_writer("empty_text")),
        MegatronShardWriter(str(ctx.stage_dir), _tokenizer_path(ctx), add_bos=opts.add_bos,
                            add_eos=opts.add_eos, batch_size=opts.batch_size),
    ]


def count_kept(ctx: StageContext) -> dict:
    """Documents and tokens counted from the .idx files themselves, per source."""
    by_source: dict[str, dict[str, int]] = {}
    for prefix in map(Path, shard_prefixes([ctx.stage_dir])):
        if prefix.parent.name in ("excluded", "logs", "stats", "completions"):
            continue
        docs, tokens = count(prefix)
        entry = by_source.setdefault(prefix.parent.name, {"documents": 0, "tokens": 0})
        entry["documents"] += docs
        entry["tokens"] += tokens
    return {
        "documents": sum(v["documents"] for v in by_source.values()),
        "tokens": sum(v["tokens"] for v in by_source.values()),
        "by_source": {k: v["documents"] for k, v in sorted(by_source.items())},
        "tokens_by_source": {k: v["tokens"] for k, v in sorted(by_source.items())},
    }


def _merge_summaries(stage_dir: Path) -> dict[str, dict]:
    sources: dict[str, dict] = {}
    for prefix in map(Path, shard_prefixes([stage_dir])):
        summary_path = Path(f"{prefix}.json")
        if not summary_path.is_file():
            continue
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        entry = sources.setdefault(prefix.parent.name, {"documents": 0, "tokens": 0, "characters": 0, "files": [], "licences": {}})
        for key in ("documents", "tokens", "characters"):
            entry[key] += summary[key]
        entry["files"].append(str(prefix.relative_to(stage_dir)))
        for licence, counts in summary["licences"].items():
            slot = entry["licences"].setdefault(licence, {"documents": 0, "tokens": 0})
            slot["documents"] += counts["documents"]
            slot["tokens"] += counts["tokens"]
    return sources


def _data_path(stage_dir: Path, sources: dict[str, dict], weights: dict[str, float]) -> list:
    """Megatron-LM `--data-path w1 prefix1 w2 prefix2 ...`.

    A file's weight is its share of all tokens times its source's weight, so weight 1.0
    everywhere samples the corpus in its natural proportions and 2.0 sees a source twice as
    often (the "epochs" column of Swallow's and LLM-jp's corpus tables).
    """
    total = sum(e["tokens"] for e in sources.values()) or 1
    out: list = []
    for name, entry in sorted(sources.items()):
        for prefix in entry["files"]:
            _, tokens = count(stage_dir / prefix)
            out += [round(weights.get(name, 1.0) * tokens / total, 8), prefix]
    return out


def figures(ctx: StageContext, report: dict) -> dict:
    """Writes metadata.json (what the trainer reads) and returns the stage's token figures."""
    opts: Options = ctx.options  # type: ignore[assignment]
    tok = load_tokenizer(_tokenizer_path(ctx))
    sources = _merge_summaries(ctx.stage_dir)
    data_path = _data_path(ctx.stage_dir, sources, opts.weights)
    tokens = sum(e["tokens"] for e in sources.values())
    characters = sum(e["characters"] for e in sources.values())
    _, dtype = dtype_for_vocab(tok.vocab_size)
    metadata = {
        "format": "megatron indexed dataset (MMIDIDX v1): PREFIX.bin + PREFIX.idx, see docs/tokenizer.md",
        "tokenizer": tok.describe(),
        "vocab_size": tok.vocab_size,
        "bos_id": tok.bos_id if opts.add_bos else None,
        "eos_id": tok.eos_id if opts.add_eos else None,
        "add_bos": opts.add_bos and tok.bos_id is not None,
        "add_eos": opts.add_eos and tok.eos_id is not None,
        "dtype": dtype.__name__,
        "documents": sum(e["documents"] for e in sources.values()),
        "tokens": tokens,
        "characters": characters,
        "sources": sources,
        "megatron_data_path": data_path,
    }
    (ctx.stage_dir / "metadata.json").write_text(json.dumps(metadata, indent=2, ensure_ascii=False))
    steps = report.get("steps", {})
    writer = next((s for name, s in steps.items() if "megatron" in name), {})
    seconds = writer.get("time_s") or 0
    return {
        "tokens": tokens,
        "tokens_by_source": {k: v["tokens"] for k, v in sources.items()},
        "chars_per_token": round(characters / tokens, 4) if tokens else None,
        "tokenizer": {"path": tok.describe()["path"], "sha256": tok.sha256, "vocab_size": tok.vocab_size},
        "throughput_mb_per_s": round(writer.get("bytes", 0) / 1e6 / seconds, 2) if seconds else None,
        "licences_by_source": {k: {lic: c["documents"] for lic, c in v["licences"].items()} for k, v in sources.items()},
    }


STAGE = DatatroveStage(
    name="tokenize",
    options=Options,
    reads="deduplicated shards (or jsonl, parquet, txt)",
    writes="Megatron .bin/.idx token shards per source + metadata.json",
    build=build,
    preflight=_tokenizer_path,
    count_kept=count_kept,
    figures=figures,
)
