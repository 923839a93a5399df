"""Stage `tokenizer`: train a Japanese SentencePiece tokenizer on a sample of the kept documents.

    parquet shards -> per-document held-out split -> bounded per-source sentence sample
      -> (MeCab pre-segmentation) -> SentencePiece -> tokenizer.model
      -> tokenizer.json (checked to encode identically) -> evaluation on held-out text

Writes `tokenizer.model`, `tokenizer.vocab`, `tokenizer.json`, `tokenizer_config.json` and
`training.json` (every setting, the sample's make-up, the evaluation). Documents are not
dropped from the corpus here: a document that gave no sentence to the sample is reported
as excluded with reason `not_sampled` (or `held_out`, kept aside for evaluation), so
in = kept + excluded holds for this stage too. See docs/tokenizer.md.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from corpus.config import ConfigError, Strict
from corpus.readers.document_reader import document_reader
from corpus.readers.input_formats import InputOptions
from corpus.run.stage import FunctionStage, StageContext
from tokenizer.backends import load_tokenizer
from filters.pii.options import ALL_ENTITIES, PIIOptions
from tokenizer.evaluate import evaluate, paragraphs, placeholders_in
from tokenizer.hf_export import check_identical, export_tokenizer_json
from tokenizer import sampling
from tokenizer.sampling import SentenceSampler
from tokenizer.train import TrainConfig, config_record, train_sentencepiece

# SentencePiece settings the stage takes as the trainer's own defaults (each with its source there)
_SPM = TrainConfig()

class Options(Strict):
    """The stage's knobs. Where the stage keeps the trainer's default, the value is written once,
    in tokenizer.train.TrainConfig; `model_type`, `character_coverage` and `num_threads` differ
    on purpose (their descriptions say why)."""

    vocab_size: int = Field(
        _SPM.vocab_size, ge=16,
        description="target vocabulary (Llama 2: 32,000); a tiny corpus ends smaller")
    model_type: Literal["bpe", "unigram"] = Field(
        "bpe", description="bpe (Llama 2; higher chars/token on our held-out text and ~15x faster to train, "
                           "see docs/tokenizer.md) or unigram (LLM-jp)")
    character_coverage: float = Field(
        1.0, ge=0.9, le=1.0, description="share of sample characters given their own piece; 1.0 keeps every "
                                         "character seen (SentencePiece suggests 0.9995 for ja without required chars)")
    required_charset: Literal["none", "jis"] = Field(
        _SPM.required_charset,
        description="characters always in the vocabulary even if unseen: JIS X 0208 + X 0201 (7,036 chars)")
    byte_fallback: bool = Field(
        _SPM.byte_fallback,
        description="unknown characters become UTF-8 byte tokens (Llama 2, LLM-jp)")
    split_digits: bool = Field(_SPM.split_digits, description="every digit its own token (Llama 2, LLM-jp)")
    normalization: Literal["identity", "nfkc", "nmt_nfkc"] = Field(
        _SPM.normalization,
        description="SentencePiece normalization; anything but identity breaks the exact round trip")
    add_dummy_prefix: bool = Field(
        _SPM.add_dummy_prefix,
        description="prepend '▁' to every text (Llama 2 does; costs a token per paragraph in ja)")
    split_by_unicode_script: bool = Field(
        _SPM.split_by_unicode_script,
        description="forbid pieces mixing scripts (漢字+かな); SentencePiece default true")
    max_piece_length: int = Field(
        _SPM.max_sentencepiece_length, ge=1,
        description="longest piece in characters (SentencePiece default, LLM-jp)")
    user_defined_symbols: list[str] = Field(
        list(_SPM.user_defined_symbols),
        description="always one piece each; '\\n' as in LLM-jp v3")
    placeholder_symbols: list[str] = Field(
        default_factory=lambda: [PIIOptions().mask_for(e) for e in ALL_ENTITIES],
        description="the PII masker's placeholders (<|EMAIL|>, <|PHONE|>...), added to user_defined_symbols so each "
                    "is one token; placeholders of the same <|...|> form found in the sample (a code secret's "
                    "<|SECRET_AWS_KEY|>) are added too")
    pre_segment: bool = Field(
        _SPM.pre_segment,
        description="MeCab (fugashi) word boundaries as piece boundaries (LLM-jp); lowers chars/token")
    max_characters: int = Field(sampling.MAX_CHARACTERS, ge=1, description="sample budget in characters (memory bound; ~300 MB UTF-8)")
    max_sentences: int = Field(sampling.MAX_SENTENCES, ge=1, description="sample budget in sentences (SentencePiece author: 1-10M suffice, google/sentencepiece#9)")
    mix: dict[str, float] | None = Field(
        None, description="character share per source in the sample, e.g. {web: 0.6, wiki: 0.3, code: 0.1}; "
                          "null = as the corpus comes; sources not named are left out")
    held_out_fraction: float = Field(sampling.HELD_OUT_FRACTION, ge=0, lt=1, description="documents kept aside (by id hash) for evaluation")
    held_out_max_chars: int = Field(sampling.HELD_OUT_MAX_CHARS, ge=0, description="cap on held-out text (it is held in memory)")
    min_held_out: int = Field(sampling.MIN_HELD_OUT, ge=0, description="documents held out even when none hashes into the slice "
                                                   "(tiny corpora such as the demo): the smallest id hashes")
    seed: int = Field(sampling.SEED, description="sampling and held-out seed")
    num_threads: int = Field(0, ge=0, description="SentencePiece trainer threads; 0 = all cores")
    input: InputOptions = Field(default_factory=InputOptions, description="how to read inputs that are not our "
                                "shards: jsonl / parquet text key, id key, .txt splitting (docs/inputs.md)")


def _documents(ctx: StageContext, excluded: Counter) -> Iterator[tuple[str, str, str]]:
    """(id, source, text) of every input document (shards, jsonl, parquet, txt: the reader of
    every document stage); a record the reader could not read is counted by its reason."""
    for doc in document_reader(ctx).run():
        reason = doc.metadata.get("reason")
        if reason:
            excluded[reason] += 1
            continue
        yield str(doc.id), doc.metadata.get("source") or "unknown", doc.text or ""


def _train_config(o: Options, placeholders: list[str] = ()) -> TrainConfig:
    symbols = tuple(dict.fromkeys([*o.user_defined_symbols, *placeholders]))
    return TrainConfig(
        vocab_size=o.vocab_size, model_type=o.model_type, character_coverage=o.character_coverage,
        required_charset=o.required_charset, byte_fallback=o.byte_fallback, split_digits=o.split_digits,
        normalization=o.normalization, add_dummy_prefix=o.add_dummy_prefix,
        split_by_unicode_script=o.split_by_unicode_script, max_sentencepiece_length=o.max_piece_length,
        user_defined_symbols=symbols, pre_segment=o.pre_segment,
        num_threads=o.num_threads or os.cpu_count() or 1,
    )


def run(ctx: StageContext) -> dict:
    o: Options = ctx.options  # type: ignore[assignment]
    started = time.time()
    sampler = SentenceSampler(
        max_characters=o.max_characters, max_sentences=o.max_sentences, mix=o.mix,
        held_out_fraction=o.held_out_fraction, held_out_max_chars=o.held_out_max_chars,
        min_held_out=o.min_held_out, seed=o.seed,
    )
    unreadable: Counter = Counter()
    n_in = 0
    for index, (doc_id, source, text) in enumerate(_documents(ctx, unreadable)):
        sampler.add_document(index, doc_id, source, text)
        n_in += 1
    sample = sampler.finish()
    if not sample.sentences:
        raise ConfigError(f"tokenizer: no text to train on in {len(ctx.inputs)} input files ({n_in} documents)")
    ctx.say(f"[tokenizer] sampled {len(sample.sentences)} sentences from {n_in} documents; training {o.model_type}")

    # the masked corpus is full of placeholders: each must be one token, never `<|`, `AD`, `DRESS|>`
    placeholders = sorted({*o.placeholder_symbols, *placeholders_in(sample.sentences)})
    config = _train_config(o, placeholders)
    trained_at = time.time()
    model = train_sentencepiece(sample.sentences, ctx.stage_dir / "tokenizer", config)
    train_seconds = time.time() - trained_at
    tokenizer_json = export_tokenizer_json(model, ctx.stage_dir / "tokenizer.json")

    # evaluate on held-out text; a corpus too small to hold any out is measured on its sample, and says so
    eval_texts, eval_on = (sample.held_out, "held_out") if sample.held_out else (sample.sentences[:2000], "training_sample")
    tok = load_tokenizer(model)
    evaluation = evaluate(tok, eval_texts, placeholders)
    identity = check_identical(model, tokenizer_json, list(paragraphs(eval_texts))[:5000])

    kept = len(sample.documents_sampled)
    held_out = sampler.documents_held_out
    excluded_by_reason = {"not_sampled": n_in - kept - held_out, "held_out": held_out, **unreadable}
    excluded_by_reason = {k: v for k, v in excluded_by_reason.items() if v}
    unreadable_total = sum(unreadable.values())
    figures = {
        "sentences_sampled": len(sample.sentences),
        "characters_sampled": sum(len(s) for s in sample.sentences),
        "sample_by_source": sample.by_source,
        "vocab_size": tok.vocab_size,
        "model_type": o.model_type,
        "evaluated_on": eval_on,
        "chars_per_token": evaluation["chars_per_token"],
        "byte_fallback_share": evaluation["byte_fallback_share"],
        "unknown_rate": evaluation["unknown_rate"],
        "roundtrip_exact": evaluation["roundtrip_exact"],
        "placeholders_single_token": f"{evaluation['symbols_single_token']}/{evaluation['symbols']}",
        "tokenizer_json_identical": identity["identical"],
        "tokenizer_sha256": tok.sha256,
        "train_seconds": round(train_seconds, 2),
    }
    record = {
        "config": config_record(config),
        "options": o.model_dump(mode="json"),
        "inputs": sorted(ctx.inputs),
        "read": {"documents": n_in, "excluded_by_reader": dict(unreadable)},
        "sample": {"by_source": sample.by_source, "documents_sampled": kept, "documents_held_out": held_out},
        "evaluation": {"on": eval_on, **evaluation},
        "tokenizer_json_check": identity,
        "outputs": {"model": str(model), "tokenizer_json": str(tokenizer_json), "sha256": tok.sha256},
        "seconds": round(time.time() - started, 2),
    }
    (ctx.stage_dir / "training.json").write_text(json.dumps(record, indent=2, ensure_ascii=False))
    return {
        "documents": {"in": n_in + unreadable_total, "kept": kept, "excluded": n_in + unreadable_total - kept},
        "excluded_by_reason": excluded_by_reason,
        "figures": figures,
    }


STAGE = FunctionStage(
    name="tokenizer",
    options=Options,
    reads="deduplicated shards (or jsonl, parquet, txt)",
    writes="tokenizer.model + tokenizer.json",
    run=run,
    cluster_job=True,  # on Ray or Slurm, trains on the cluster like every other stage
)
