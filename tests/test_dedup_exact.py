"""Exact dedup stages 1 and 2 with the document id as the last tie-break."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datatrove.data import Document
from datatrove.pipeline.dedup.exact_dedup import ExactDedupFilter, ExactDedupSignature, ExactFindDedups
from datatrove.utils.typeshelper import ExtensionHelperSD

from filters.dedup.exact import (
    SIGNATURE_SUFFIX,
    ExactDedupSignatureWithId,
    ExactFindDedupsById,
    exact_dedup_config,
    read_id_signatures,
)
from filters.dedup.priority import SourcePriority

CONFIG = exact_dedup_config(SourcePriority())
TEXTS = ["吾輩は猫である。", "名前はまだ無い。", "どこで生れたかとんと見当がつかぬ。", "春はあけぼの。", "夏は夜。", "秋は夕暮れ。"]
# ids whose code-point order differs from insertion order, non-ASCII included
IDS = ["web/b", "web/a", "web/ab", "web/B", "web/é", "web/日本", "web/z", "wiki/x", "code/0", "web/a0", "web/𠀋"]


def run_exact(tmp_path, tasks: list[list[Document]], finder_workers: int = 1, buffer_bytes: int = 1 << 16):
    """Stage 1 per task, stage 2 per finder worker; returns removed and survivor-with-copies
    (task, index) pairs, read as datatrove's ExactDedupFilter reads them."""
    for rank, docs in enumerate(tasks):
        ExactDedupSignatureWithId(str(tmp_path / "sigs"), CONFIG, finder_workers=finder_workers).run(iter(docs), rank)
    for worker in range(finder_workers):
        ExactFindDedupsById(str(tmp_path / "sigs"), str(tmp_path / "dups"), CONFIG, buffer_bytes=buffer_bytes).run(
            None, worker, finder_workers
        )
    removed, counts = set(), {}
    for rank, docs in enumerate(tasks):
        kept = list(ExactDedupFilter(str(tmp_path / "dups"), CONFIG).run(iter([Document(d.text, d.id, dict(d.metadata))
                                                                            for d in docs]), rank))
        kept_by_id = {d.id: d for d in kept}
        removed |= {(rank, i) for i, d in enumerate(docs) if d.id not in kept_by_id}
        counts.update({(rank, i): kept_by_id[d.id].metadata["duplicate_count"] for i, d in enumerate(docs)
                       if d.id in kept_by_id and kept_by_id[d.id].metadata["duplicate_count"]})
    return removed, counts


def expected(tasks: list[list[Document]]):
    """Brute force: per normalized text, the highest priority, then the smallest id survives."""
    groups: dict[str, list] = {}
    priority = SourcePriority()
    for rank, docs in enumerate(tasks):
        for i, d in enumerate(docs):
            groups.setdefault(CONFIG.content_getter(d), []).append((-priority(d), d.id, rank, i))
    removed, counts = set(), {}
    for members in groups.values():
        members.sort()
        removed |= {(r, i) for _, _, r, i in members[1:]}
        if len(members) > 1:
            counts[members[0][2:]] = len(members) - 1
    return removed, counts


def random_corpus(seed: int, tasks: int, docs: int) -> list[list[Document]]:
    rng = random.Random(seed)
    out = [[] for _ in range(tasks)]
    for n in range(docs):
        doc_id = f"{rng.choice(IDS)}/{rng.randrange(1000)}-{n}"
        source = doc_id.split("/", 1)[0]
        text = rng.choice(TEXTS) + ("　" if rng.random() < 0.3 else "") + rng.choice(["", "\n", str(rng.randrange(3))])
        out[rng.randrange(tasks)].append(Document(text=text, id=doc_id, metadata={"source": source}))
    return out


@pytest.mark.parametrize("tasks,finder_workers", [(1, 1), (3, 1), (4, 2)])
def test_survivor_is_the_highest_priority_then_the_smallest_id(tmp_path, tasks, finder_workers):
    corpus = random_corpus(seed=tasks, tasks=tasks, docs=300)
    # a small read buffer makes records straddle buffer ends
    assert run_exact(tmp_path, corpus, finder_workers, buffer_bytes=37) == expected(corpus)


def test_the_same_documents_survive_whatever_the_task_split(tmp_path):
    docs = [d for task in random_corpus(seed=9, tasks=1, docs=200) for d in task]
    survivors = []
    for tasks in (1, 2, 5):
        split = [docs[k::tasks] for k in range(tasks)]
        removed, _ = run_exact(tmp_path / str(tasks), split)
        survivors.append(sorted(d.id for k, part in enumerate(split) for i, d in enumerate(part) if (k, i) not in removed))
    assert survivors[0] == survivors[1] == survivors[2]


def test_datatrove_finder_breaks_ties_by_index_which_is_what_this_fixes(tmp_path):
    """Same text, same source: datatrove keeps the lower index in its task (web/z, read
    first); ours keeps the smallest id (web/a)."""
    docs = [Document(text="同じ文。", id="web/z", metadata={"source": "web"}),
            Document(text="同じ文。", id="web/a", metadata={"source": "web"})]
    ExactDedupSignature(str(tmp_path / "stock"), CONFIG).run(iter(docs), 0)
    ExactFindDedups(str(tmp_path / "stock"), str(tmp_path / "stock_dups"), CONFIG).run(None, 0, 1)
    stock = np.frombuffer((tmp_path / "stock_dups" / "00000" / f"00000{ExtensionHelperSD.stage_2_duplicates}").read_bytes(), "<u4")
    assert stock.tolist() == [1]  # web/a removed
    assert run_exact(tmp_path / "ours", [docs])[0] == {(0, 0)}  # web/z removed


def test_signature_files_are_sorted_by_hash_priority_and_id(tmp_path):
    docs = [Document(text=t, id=i, metadata={"source": i.split("/")[0]})
            for t, i in [("同じ", "web/b"), ("同じ", "wiki/y"), ("同じ", "web/a"), ("別", "code/0"), ("同じ", "wiki/c")]]
    ExactDedupSignatureWithId(str(tmp_path), CONFIG).run(iter(docs), 0)
    with open(tmp_path / "0000" / f"00000{SIGNATURE_SUFFIX}", "rb") as f:
        records = list(read_id_signatures(f, CONFIG.hash_config, buffer_bytes=5))
    keys = [(h, p, i) for h, p, i, _ in records]
    assert keys == sorted(keys) and len(records) == 5
    same = [(doc_id.decode(), index) for h, _, doc_id, index in records if h == records[0][0]]
    if len(same) == 1:  # "別" hashed lower
        same = [(doc_id.decode(), index) for h, _, doc_id, index in records[1:]]
    assert same == [("wiki/c", 4), ("wiki/y", 1), ("web/a", 2), ("web/b", 0)]


def test_empty_task_and_older_signatures_are_handled(tmp_path):
    assert run_exact(tmp_path / "empty", [[], [Document(text="一つ", id="a", metadata={"source": "web"})]]) == (set(), {})
    ExactDedupSignature(str(tmp_path / "old"), CONFIG).run(iter([Document(text="一つ", id="a")]), 0)
    with pytest.raises(ValueError, match="rerun the stage with --force"):
        ExactFindDedupsById(str(tmp_path / "old"), str(tmp_path / "old_dups"), CONFIG).run(None, 0, 1)
