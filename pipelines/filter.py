"""The filter stage: clean-up and quality rules for web text, PII masking and licence policy for all.

Reads the ingest stages' shards and writes the documents worth training on:

    shards -> normalisation (web, wiki) -> boilerplate lines (web) -> quality rules and
           optional model scores (web) -> PII masking (all) -> PII density (optional)
           -> licence policy (all) -> shards

Wiki and code pass the clean-up and the quality rules untouched: the rules were tuned
on web pages and would drop, say, every source file for its lack of hiragana. Every
dropping step is a datatrove BaseFilter with its own exclusion writer; each quality
family writes `excluded/<family>_*.parquet` with the rule that fired as the reason and
the measured values in `metadata.figures`. The report adds per-rule removal counts and
histograms (`figures.quality.rules`) for tuning thresholds.
"""

from __future__ import annotations

from pydantic import Field

from corpus.config import Strict
from corpus.readers.exclusion import ExcludeMarked
from corpus.readers.document_reader import document_reader
from corpus.readers.input_formats import InputOptions
from corpus.run.stage import DatatroveStage, StageContext
from filters.licence.policy import LicenceOptions, LicencePolicyFilter, rejected_ids
from filters.pii.masking import MaskingExclusionWriter, PIIDensityFilter, PIIMasker
from filters.pii.options import PIIOptions
from filters.quality.chain import quality_checks, quality_steps
from filters.quality.cleanup import TextCleanup
from filters.quality.document_size import DocumentSizeFilter
from filters.quality.options import CleanupOptions, QualityOptions
from filters.quality.report import read_figures, rule_figures


class Options(Strict):
    """Options of the filter stage (YAML: `stages.filter.options`)."""

    cleanup: CleanupOptions = Field(default_factory=CleanupOptions,
                                    description="normalisation (web and wiki) and boilerplate-line removal (web) before the rules")
    quality: QualityOptions = Field(default_factory=QualityOptions, description="quality rules (web), Swallow defaults")
    pii: PIIOptions = Field(default_factory=PIIOptions, description="PII masking (all sources)")
    licence: LicenceOptions = Field(default_factory=LicenceOptions, description="licence policy (all sources)")
    input: InputOptions = Field(default_factory=InputOptions, description="how to read inputs that are not our "
                                "shards: jsonl / parquet text key, id key, .txt splitting (docs/inputs.md)")
    max_document_chars: int | None = Field(
        1_000_000, ge=1, description="documents longer than this are excluded as document_too_large before any "
        "analysis (memory: ~300 MB per million characters); a whole novel is ~700k. null: no cap")


def build(ctx: StageContext) -> list:
    o: Options = ctx.options  # type: ignore[assignment]
    excluded = _exclusion_writers(ctx, o.pii)  # steps before the masker: what they drop is masked too
    steps: list = [document_reader(ctx), ExcludeMarked(exclusion_writer=excluded("reader"))]
    if o.max_document_chars is not None:
        steps.append(DocumentSizeFilter(o.max_document_chars, exclusion_writer=excluded("document_size")))
    steps.append(TextCleanup(o.cleanup))
    steps += quality_steps(o.quality, exclusion_writer=excluded)
    if o.pii.enabled:
        steps.append(PIIMasker(o.pii))
        if o.pii.max_density is not None:
            steps.append(PIIDensityFilter(o.pii.max_density, exclusion_writer=ctx.exclusion_writer("pii_density")))
    if o.licence.enabled:
        steps.append(LicencePolicyFilter(o.licence, [s for s, _ in ctx.sources], exclusion_writer=ctx.exclusion_writer("licence")))
    steps.append(ctx.shard_writer())
    return steps


def _exclusion_writers(ctx: StageContext, pii: PIIOptions):
    """Exclusion writers for the steps that run before PII masking: excluded shards are read
    and shared like kept ones, so they are masked too unless `pii.mask_excluded` is off."""
    if not (pii.enabled and pii.mask_excluded):
        return ctx.exclusion_writer
    return lambda step: MaskingExclusionWriter(str(ctx.excluded_dir), step, pii)


def figures(ctx: StageContext, report: dict) -> dict:
    """Per quality rule: threshold, documents removed, percentiles and a histogram of its values."""
    o: Options = ctx.options  # type: ignore[assignment]
    values, reasons = read_figures([ctx.shards_dir, ctx.excluded_dir])
    rules = rule_figures(quality_checks(o.quality), values, reasons)
    measured = max((r["measured"] for r in rules), default=0)
    removed = sum(r["removed"] for r in rules)
    thresholds: dict[str, float] = {}
    for rule in rules:  # figure -> threshold, for charts of metadata.figures (two-sided: the first rule's)
        thresholds.setdefault(rule["figure"], rule["threshold"])
    return {
        "quality_documents_measured": measured,
        "quality_removed": removed,
        "thresholds": thresholds,
        "quality": {"documents_measured": measured, "removed": removed, "rules": rules},
        "pii_excluded": "masked" if o.pii.enabled and o.pii.mask_excluded else "unmasked",
        "licence_rejected": rejected_ids(ctx.excluded_dir),
    }


STAGE = DatatroveStage(
    name="filter",
    options=Options,
    reads="ingest shards, text sources (jsonl, parquet, txt)",
    writes="filtered shards",
    build=build,
    figures=figures,
    unique_ids=True,  # text sources enter here: their own ids may repeat across files (figures.duplicate_ids)
)
