"""The dedup stage: exact and MinHash near-duplicates across all sources, on datatrove's
multi-stage dedup, so the same passes run locally, on Slurm or on Ray.

Passes (each its own datatrove job under `dedup/passes/<name>`, intermediate files under
`dedup/work/`):

1. `signatures` (one task per input shard group): character n-gram MinHash signatures
   (`CharMinhashSignature`, datatrove's file format) and exact-dedup hashes of the NFKC,
   whitespace-folded text (datatrove's `ExactDedupSignature` with the document id in each
   record: `ExactDedupSignatureWithId`);
2. `buckets` (one task per band): datatrove's stock `MinhashDedupBuckets`;
3. `clusters` (one task): `ExactFindDedupsById` (datatrove's `ExactFindDedups` merge,
   survivor by source, then smallest id), then `PriorityMinhashCluster`, which verifies
   candidates on the whole signature and picks each cluster's survivor by source order,
   length, then smallest id; neither choice depends on the number of tasks;
4. `filter` (same tasks as 1; the accounting pass): reads the shards again, tags each
   document, and drops exact and near duplicates through exclusion writers
   (`exact_duplicate`, `near_duplicate`); survivors keep `minhash_cluster_size`. An
   unreadable input file is one excluded record (`unreadable_file:...`), as everywhere;
5. `index` (same tasks as 1, `index: true`): the survivors' signatures and exact hashes as
   `dedup/index/` (`filters.dedup.survivor_index`), which a later run names in `against:`
   to lose what this run kept, without this run being read again.

Details and measured numbers: docs/dedup.md.
"""

from __future__ import annotations

from pathlib import Path

from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupBuckets
from datatrove.utils.hashing import HashConfig
from pydantic import Field, model_validator

from corpus.config import ConfigError, Strict
from corpus.readers.exclusion import ExcludeMarked
from corpus.readers.document_reader import document_reader
from corpus.readers.input_formats import InputOptions
from corpus.run.stage import DatatroveStage, Pass, StageContext
from filters.dedup.char_minhash import CharMinhashSignature
from filters.dedup.cluster import PriorityMinhashCluster
from filters.dedup.decisions import DuplicateMarker
from filters.dedup.duplicate_filters import ExactDuplicateFilter, NearDuplicateFilter
from filters.dedup.exact import ExactDedupSignatureWithId, ExactFindDedupsById, exact_dedup_config
from filters.dedup.figures import dedup_figures
from filters.dedup.priority import DEFAULT_ORDER, SourcePriority
from filters.dedup.survivor_index import INDEX_DIR, SurvivorIndexWriter, check_index, link_index, write_manifest


class Options(Strict):
    """Defaults: Swallow's character 5-grams with FineWeb's 14 x 8 bands, verified at an
    estimated Jaccard of 0.7. S-curves of these and Swallow's 40 x 20: docs/dedup.md."""

    exact: bool = Field(True, description="exact dedup on NFKC, whitespace-folded text (a page re-wrapped is still a copy) before MinHash")
    ngram_size: int = Field(5, ge=1, le=64, description="character n-gram size; Swallow: 5 (doubri -n 5)")
    bands: int = Field(
        14, ge=1, le=1000,
        description="LSH bands (datatrove num_buckets); FineWeb-2: 14, Swallow: 40 (doubri -r 40)",
    )
    rows_per_band: int = Field(
        8, ge=1, le=64,
        description="MinHash values per band (datatrove hashes_per_bucket); FineWeb-2: 8, Swallow: 20 (doubri -b 20)",
    )
    min_jaccard: float = Field(
        0.7, ge=0.0, le=1.0,
        description="merge a candidate pair only if its Jaccard estimated on the whole signature reaches this; "
        "0 merges every LSH candidate (FineWeb-2 and Swallow do); 0.7 ~ FineWeb's S-curve midpoint (1/14)^(1/8)",
    )
    seed: int = Field(1, description="MinHash permutation seed (datatrove MinhashConfig default)")
    source_priority: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ORDER), min_length=1,
        description="which copy survives: sources best first (wiki over web over code); unlisted sources last",
    )
    prefer_longer: bool = Field(True, description="within a source, the longer copy survives")
    example_pairs: int = Field(5, ge=0, le=100, description="near-duplicate pairs shown in the report")
    index: bool = Field(True, description="keep the survivors' signatures and exact hashes in dedup/index/ "
                        "(about 1 kB per survivor), so a later run can be deduplicated against this one")
    against: list[str] = Field(
        default_factory=list,
        description="dedup stage directories (RUN/dedup) of earlier runs, or their index/ folders: documents "
                    "that duplicate a survivor of those runs are removed, exactly or near, and those runs are "
                    "not read again (two-level dedup: within a crawl, then across crawls; Swallow's doubri-other)")
    input: InputOptions = Field(default_factory=InputOptions, description="how to read inputs that are not our "
                                "shards: jsonl / parquet text key, id key, .txt splitting (docs/inputs.md)")

    @model_validator(mode="after")
    def _sources_once(self) -> Options:
        if len(set(self.source_priority)) != len(self.source_priority):
            raise ValueError("source_priority lists a source twice")
        return self


def minhash_config(options: Options) -> MinhashConfig:
    return MinhashConfig(
        n_grams=options.ngram_size,
        num_buckets=options.bands,
        hashes_per_bucket=options.rows_per_band,
        seed=options.seed,
        hash_config=HashConfig(precision=32, hash_fc="sha1"),
    )


def build(ctx: StageContext) -> list[Pass]:
    options: Options = ctx.options
    work = ctx.stage_dir / "work"
    work.mkdir(parents=True, exist_ok=True)
    # datatrove's dedup names documents (task, index in the task's stream): the signature
    # and filter passes must read the same files with the same number of tasks
    tasks = ctx.tasks
    config = minhash_config(options)
    priority = SourcePriority(options.source_priority, options.prefer_longer)
    signatures, exact_sigs, exact_dups = work / "signatures", work / "exact_signatures", work / "exact_dups"

    # a file the reader cannot read becomes one marked record; both passes drop it before
    # documents are numbered, and the filter pass (the accounting one) writes it to excluded/
    signature_steps = [document_reader(ctx), ExcludeMarked(), CharMinhashSignature(str(signatures), config)]
    cluster_steps = []
    if options.exact:
        signature_steps.append(ExactDedupSignatureWithId(str(exact_sigs), exact_dedup_config(priority)))
        cluster_steps.append(ExactFindDedupsById(str(exact_sigs), str(exact_dups), exact_dedup_config(priority)))
    index_tasks = link_against(options, config, tasks, signatures, exact_sigs)
    cluster_steps.append(
        PriorityMinhashCluster(
            str(work / "buckets"), str(work), str(signatures), config, priority,
            exact_folder=str(exact_dups) if options.exact else None, min_jaccard=options.min_jaccard,
            index_tasks=index_tasks,
        )
    )
    passes = [
        Pass("signatures", signature_steps, tasks=tasks),
        Pass("buckets", [MinhashDedupBuckets(str(signatures), str(work / "buckets"), config=config)], tasks=options.bands),
        Pass("clusters", cluster_steps, tasks=1),
        Pass(
            "filter",
            [
                document_reader(ctx, check=False),  # checked once, above
                ExcludeMarked(exclusion_writer=ctx.exclusion_writer("reader")),
                DuplicateMarker(str(work), str(signatures)),
                ExactDuplicateFilter(exclusion_writer=ctx.exclusion_writer("exact_dedup")),
                NearDuplicateFilter(exclusion_writer=ctx.exclusion_writer("near_dedup")),
                ctx.shard_writer(),
            ],
            tasks=tasks,
            accounting=True,
        ),
    ]
    if options.index:
        write_manifest(ctx.stage_dir / INDEX_DIR, config, options.exact, tasks, ctx.stage_dir.resolve())
        passes.append(Pass("index", [SurvivorIndexWriter(
            str(work), str(signatures), str(exact_sigs) if options.exact else None, str(ctx.stage_dir / INDEX_DIR),
            config, str(ctx.shards_dir))], tasks=tasks))
    return passes


def link_against(options: Options, config: MinhashConfig, first_task: int, signatures: Path,
                 exact_sigs: Path) -> dict[int, str]:
    """Each earlier run's index, linked in as signature tasks first_task, first_task + 1...;
    returns task -> that run's dedup directory. A missing, unfinished or differently built
    index is a config error, before anything runs."""
    index_tasks: dict[int, str] = {}
    for entry in options.against:
        try:
            index_dir, manifest = check_index(entry, config, options.exact)
        except ValueError as e:
            raise ConfigError(f"dedup: {e}") from None
        tasks = link_index(index_dir, manifest["parts"], first_task + len(index_tasks), signatures,
                           exact_sigs if options.exact else None, config.num_buckets)
        index_tasks.update({task: str(index_dir.parent.resolve()) for task in tasks})
    return index_tasks


STAGE = DatatroveStage(
    name="dedup",
    options=Options,
    reads="filtered shards (or jsonl, parquet, txt)",
    writes="deduplicated shards",
    build=build,
    figures=dedup_figures,
)
