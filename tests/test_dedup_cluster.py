"""MinHash stage 3: verified edges, survivor by priority, exact copies labelled as such."""

from __future__ import annotations

import struct

import numpy as np
import pyarrow.parquet as pq
from datatrove.data import Document
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupBuckets
from datatrove.utils.hashing import HashConfig

from filters.dedup.char_minhash import CharMinhashSignature
from filters.dedup.cluster import PriorityMinhashCluster, connected_components
from filters.dedup.decisions import decisions_path
from filters.dedup.exact import ExactDedupSignatureWithId, ExactFindDedupsById, exact_dedup_config
from filters.dedup.priority import SourcePriority

CFG = MinhashConfig(n_grams=5, num_buckets=14, hashes_per_bucket=8, hash_config=HashConfig(precision=32, hash_fc="sha1"))
BASE = (
    "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所で"
    "ニャーニャー泣いていた事だけは記憶している。吾輩はここで始めて人間というものを見た。"
)
OTHER = "春はあけぼの。やうやう白くなりゆく山ぎは、すこしあかりて、紫だちたる雲のほそくたなびきたる。夏は夜。"


def run_cluster(tmp_path, docs, exact=False, min_jaccard=0.7, pairs=None):
    priority = SourcePriority()
    steps = CharMinhashSignature(str(tmp_path / "sigs"), CFG).run(iter(docs), rank=0)
    if exact:
        ExactDedupSignatureWithId(str(tmp_path / "xsig"), exact_dedup_config(priority)).run(steps, rank=0)
        ExactFindDedupsById(str(tmp_path / "xsig"), str(tmp_path / "xdup"), exact_dedup_config(priority)).run(None, 0, 1)
    else:
        list(steps)
    if pairs is None:
        for bucket in range(CFG.num_buckets):
            MinhashDedupBuckets(str(tmp_path / "sigs"), str(tmp_path / "buckets"), config=CFG).run(None, bucket, 14)
    else:  # hand-written candidate pairs in datatrove's .dups format
        (tmp_path / "buckets").mkdir()
        (tmp_path / "buckets" / "00000_00.dups").write_bytes(b"".join(struct.pack("<4I", 0, a, 0, b) for a, b in pairs))
    step = PriorityMinhashCluster(
        str(tmp_path / "buckets"), str(tmp_path / "out"), str(tmp_path / "sigs"), CFG, priority,
        exact_folder=str(tmp_path / "xdup") if exact else None, min_jaccard=min_jaccard,
    )
    step.run(None, 0, 1)
    path = tmp_path / "out" / decisions_path(0)
    rows = pq.read_table(path).to_pylist() if path.is_file() else []
    return {r["id"]: r for r in rows}, step


def test_connected_components_join_chains():
    labels = connected_components(np.array([0, 1, 3]), np.array([1, 2, 4]), 6)
    assert labels.tolist() == [0, 0, 0, 3, 3, 5]


def test_wiki_copy_survives_a_longer_web_copy_and_carries_the_cluster_size(tmp_path):
    docs = [
        Document(text="トップページ " + BASE + " 関連リンク", id="web/long", metadata={"source": "web"}),
        Document(text=BASE, id="wiki/a", metadata={"source": "wiki"}),
        Document(text=OTHER, id="web/other", metadata={"source": "web"}),
        Document(text=BASE + "。", id="web/short", metadata={"source": "web"}),
    ]
    rows, _ = run_cluster(tmp_path, docs)
    assert rows["wiki/a"]["action"] == "survivor" and rows["wiki/a"]["cluster_size"] == 3
    assert rows["web/long"]["action"] == "near_duplicate" and rows["web/long"]["duplicate_of"] == "wiki/a"
    assert rows["web/long"]["duplicate_of_source"] == "wiki"
    assert 0.7 <= rows["web/long"]["jaccard"] <= 1.0
    assert "web/other" not in rows


def test_longer_copy_survives_within_a_source(tmp_path):
    docs = [
        Document(text=BASE, id="web/short", metadata={"source": "web"}),
        Document(text=BASE + "吾輩は猫である。", id="web/long", metadata={"source": "web"}),
    ]
    rows, _ = run_cluster(tmp_path, docs)
    assert rows["web/long"]["action"] == "survivor"
    assert rows["web/short"]["action"] == "near_duplicate"


def test_candidate_pair_below_min_jaccard_is_not_merged(tmp_path):
    docs = [Document(text=BASE, id="a", metadata={"source": "web"}),
            Document(text=OTHER, id="b", metadata={"source": "web"})]
    rows, step = run_cluster(tmp_path, docs, pairs=[(0, 1)])
    assert rows == {}
    assert step.stats.stats["rejected_pairs"].total == 1
    rows, _ = run_cluster(tmp_path / "no_verify", docs, pairs=[(0, 1)], min_jaccard=0.0)
    assert {r["action"] for r in rows.values()} == {"survivor", "near_duplicate"}


def test_exact_copies_are_labelled_exact_and_never_survive(tmp_path):
    docs = [
        Document(text=BASE, id="web/a", metadata={"source": "web"}),
        Document(text="\n " + BASE.replace("ニャーニャー", "ﾆｬｰﾆｬｰ") + "  \n", id="web/a-copy", metadata={"source": "web"}),
        Document(text=BASE + "以上。", id="wiki/b", metadata={"source": "wiki"}),
        Document(text="短い", id="web/tiny", metadata={"source": "web"}),
        Document(text="短い", id="web/tiny-copy", metadata={"source": "web"}),
    ]
    rows, _ = run_cluster(tmp_path, docs, exact=True)
    assert rows["wiki/b"]["action"] == "survivor" and rows["wiki/b"]["cluster_size"] == 3
    actions = sorted(rows[i]["action"] for i in ("web/a", "web/a-copy"))
    assert actions == ["exact_duplicate", "near_duplicate"]
    # too short for any 5-gram: only exact dedup sees these two
    assert rows["web/tiny"]["action"] == "survivor" and rows["web/tiny"]["cluster_size"] == 2
    assert rows["web/tiny-copy"]["action"] == "exact_duplicate"
