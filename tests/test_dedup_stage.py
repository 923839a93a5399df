"""The dedup stage end to end: passes, accounting, survivors, report figures, planted pairs."""

from __future__ import annotations

import json
import random
import shutil

import dill
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datatrove.data import Document
from datatrove.pipeline.dedup.minhash import MinhashConfig
from datatrove.utils.hashing import HashConfig
from pydantic import ValidationError

from corpus.config import ExecutorConfig
from corpus.formats.schema import SCHEMA, document_to_row, row_to_document
from corpus.run.stage import StageContext, StaleStageError, run_stage
from filters.dedup.char_minhash import CharMinhashSignature
from benchmarks.evalsets.planted_duplicates import plant, true_jaccard
from pipelines.dedup import STAGE, Options

ARTICLE = (
    "富士山は静岡県と山梨県にまたがる活火山で、標高は三千七百七十六メートルある。日本で最も高い山であり、"
    "古くから信仰の対象として多くの人々が登ってきた。二〇一三年には世界文化遺産に登録された。"
)
PARAGRAPHS = [
    "駅前の商店街では毎年八月に夏祭りが開かれ、地元の子どもたちが神輿を担いで通りを練り歩く。屋台の数は年々増えている。",
    "この炊飯器 RC-10 は内釜に厚い鉄を使っており、 強い火力で米の芯までふっくらと炊き上げることができます。保温は最長四十時間です。",
    "図書館の開館時間は平日が午前九時から午後八時まで、土日祝日は午後五時までとなっております。月曜日は休館日です。",
    "新しい路線バスは市役所前から総合病院までを約二十分で結び、朝夕は十五分間隔で運行する予定だと市が発表した。",
    "庭のトマトが赤く色づいてきたので、今朝は三つ収穫してサラダにした。来週はきゅうりも食べごろになりそうだ。",
]


def write_shards(path, docs):
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist([document_to_row(d) for d in docs], schema=SCHEMA), path)
    return str(path)


def read_shards(folder):
    return [row_to_document(r) for p in sorted(folder.rglob("*.parquet")) for r in pq.read_table(p).to_pylist()]


def run(tmp_path, inputs, tasks=1, workers=1, **options):
    ctx = StageContext(name="dedup", stage_dir=tmp_path / "dedup", inputs=inputs, options=Options(**options),
                       executor=ExecutorConfig(tasks=tasks, workers=workers), quiet=True)
    return run_stage(STAGE, ctx), ctx


@pytest.fixture
def planted_inputs(tmp_path):
    web = [Document(text=t, id=f"web/{i}", metadata={"source": "web", "url": f"https://example.jp/{i}"})
           for i, t in enumerate(PARAGRAPHS)]
    web.append(Document(text="ホーム > 観光情報\n" + ARTICLE + "\n© 観光ナビ", id="web/copied-wiki", metadata={"source": "web"}))
    web.append(Document(text=" \n" + PARAGRAPHS[1].replace(" RC-10 ", "　ＲＣ－１０\n").replace("、 ", "、\n\n"), id="web/exact-copy",
                        metadata={"source": "web"}))
    web.append(Document(text=PARAGRAPHS[3].replace("朝夕は", ""), id="web/near-copy", metadata={"source": "web"}))
    web.append(Document(text="はい。", id="web/tiny", metadata={"source": "web"}))  # too short to shingle
    web.append(Document(text=" はい。\n", id="web/tiny-copy", metadata={"source": "web"}))
    wiki = [Document(text=ARTICLE, id="wiki/fuji", metadata={"source": "wiki", "title": "富士山", "licence": "CC-BY-SA-4.0"})]
    return [write_shards(tmp_path / "in" / "web" / "0.parquet", web), write_shards(tmp_path / "in" / "wiki" / "0.parquet", wiki)]


def test_stage_removes_exact_and_near_copies_and_accounts_for_every_document(tmp_path, planted_inputs):
    report, ctx = run(tmp_path, planted_inputs)
    assert report["documents"] == {"in": 11, "kept": 7, "excluded": 4}
    assert report["excluded_by_reason"] == {"near_duplicate": 2, "exact_duplicate": 2}
    kept = {d.id: d for d in read_shards(ctx.shards_dir)}
    excluded = {d.id: d for d in read_shards(ctx.excluded_dir)}
    assert set(excluded) == {"web/copied-wiki", "web/exact-copy", "web/near-copy", "web/tiny-copy"}
    assert excluded["web/exact-copy"].metadata["reason"] == "exact_duplicate"
    assert excluded["web/copied-wiki"].metadata["duplicate_of"] == "wiki/fuji"  # cross-source
    assert excluded["web/copied-wiki"].metadata["figures"]["dedup_jaccard"] >= 0.7
    # the survivor is the wiki article, with its metadata, and says how many copies it stood for
    assert kept["wiki/fuji"].metadata["minhash_cluster_size"] == 2
    assert kept["wiki/fuji"].metadata["licence"] == "CC-BY-SA-4.0"
    assert kept["web/0"].metadata["minhash_cluster_size"] == 1
    assert kept["web/1"].metadata["minhash_cluster_size"] == 2
    assert kept["web/tiny"].metadata["minhash_cluster_size"] == 2  # found by exact dedup alone


def test_report_shows_sources_clusters_examples_and_the_s_curve(tmp_path, planted_inputs):
    figures = run(tmp_path, planted_inputs)[0]["figures"]
    assert figures["removed_by_source"] == {"web": {"exact_duplicate": 2, "near_duplicate": 2}}
    assert figures["removed_in_favour_of_other_source"] == {"web -> wiki": 1}
    assert figures["cluster_size_histogram"] == {"1": 3, "2": 4}
    assert {p["removed"]["id"] for p in figures["example_pairs"]} == {"web/copied-wiki", "web/near-copy"}
    assert all(0.7 <= p["jaccard"] <= 1 and p["kept"]["text"] for p in figures["example_pairs"])
    assert set(figures["s_curve"]["merged"]) >= {"0.70", "0.80", "0.90"}
    assert figures["verified_pairs"] >= 3


def test_two_parallel_tasks_keep_the_same_documents_as_one(tmp_path, planted_inputs):
    one = {d.id for d in read_shards(run(tmp_path / "one", planted_inputs, tasks=1)[1].shards_dir)}
    two = {d.id for d in read_shards(run(tmp_path / "two", planted_inputs, tasks=2, workers=2)[1].shards_dir)}
    assert one == two


def test_exact_duplicate_ties_keep_the_smallest_id_whatever_the_task_count(tmp_path):
    """Exact copies of equal source spread over files: the smallest id survives with one task
    or three (datatrove's own finder keeps the first read within a task, which changes with
    the split); a wiki copy still beats web copies with smaller ids."""
    long_text, tiny = PARAGRAPHS[4], "はい。"
    web = {"source": "web"}
    files = {
        "a": [Document(text=PARAGRAPHS[0], id="web/p0", metadata=web),
              Document(text=long_text, id="web/z-long", metadata=web),
              Document(text=tiny, id="web/z-tiny", metadata=web),
              Document(text=ARTICLE, id="web/a-article", metadata=web)],
        "b": [Document(text="\n" + long_text + "  ", id="web/m-long", metadata=web),
              Document(text=" " + tiny, id="web/m-tiny", metadata=web)],
        "c": [Document(text=PARAGRAPHS[2], id="web/p2", metadata=web),
              Document(text=long_text + "\n", id="web/a-long", metadata=web),
              Document(text=tiny, id="web/a-tiny", metadata=web),
              Document(text=ARTICLE, id="wiki/zz-article", metadata={"source": "wiki"})],
    }
    inputs = [write_shards(tmp_path / "in" / f"{name}.parquet", docs) for name, docs in files.items()]
    outcomes = []
    for tasks in (1, 3):
        report, ctx = run(tmp_path / f"t{tasks}", inputs, tasks=tasks)
        assert report["documents"] == {"in": 10, "kept": 5, "excluded": 5}
        assert report["excluded_by_reason"] == {"exact_duplicate": 5}
        kept = {d.id: d.metadata["minhash_cluster_size"] for d in read_shards(ctx.shards_dir)}
        outcomes.append(kept)
    assert outcomes[0] == outcomes[1] == {
        "web/p0": 1, "web/p2": 1, "web/a-long": 3, "web/a-tiny": 3, "wiki/zz-article": 2,
    }


def test_every_pass_pickles_for_slurm_and_ray(tmp_path, planted_inputs):
    ctx = StageContext(name="dedup", stage_dir=tmp_path / "dedup", inputs=planted_inputs, options=Options(),
                       executor=ExecutorConfig(tasks=2), quiet=True)
    passes = STAGE.passes(ctx)
    assert [p.name for p in passes] == ["signatures", "buckets", "clusters", "filter", "index"]
    assert [p.tasks for p in passes] == [2, 14, 1, 2, 2]
    restored = dill.loads(dill.dumps([p.steps for p in passes]))  # what datatrove's Slurm executor does
    signer, original = restored[0][2], passes[0].steps[2]
    assert signer.get_signature(signer.get_shingles(ARTICLE)) == original.get_signature(original.get_shingles(ARTICLE))


def test_source_priority_option_lets_web_win(tmp_path, planted_inputs):
    _, ctx = run(tmp_path, planted_inputs, source_priority=["web", "wiki"], prefer_longer=False)
    assert "wiki/fuji" in {d.id for d in read_shards(ctx.excluded_dir)}


def test_input_changed_between_passes_fails_loudly(tmp_path, planted_inputs):
    run(tmp_path, planted_inputs)
    stage_dir = tmp_path / "dedup"
    for path in ("report.json", "shards", "excluded", "passes/filter"):
        target = stage_dir / path
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    docs = read_shards(tmp_path / "in" / "web")
    docs[0].id = "web/renamed"
    write_shards(tmp_path / "in" / "web" / "0.parquet", docs)
    # the runner sees the changed input before any pass runs ...
    with pytest.raises(StaleStageError, match=r"started on other inputs .*modified \(0\.parquet\)"):
        run(tmp_path, planted_inputs)
    # ... and where it cannot (no record of what the run started on), the last pass still does
    (stage_dir / ".jacorpus" / "started.json").unlink()
    with pytest.raises(RuntimeError, match="input changed between passes"):
        run(tmp_path, planted_inputs)
    assert not (stage_dir / "report.json").exists()


def test_no_input_documents_is_an_empty_stage(tmp_path):
    report, _ = run(tmp_path, [write_shards(tmp_path / "in" / "empty.parquet", [])])
    assert report["documents"] == {"in": 0, "kept": 0, "excluded": 0}


def test_options_reject_unknown_keys_and_repeated_sources():
    with pytest.raises(ValidationError):
        Options(bandz=3)
    with pytest.raises(ValidationError):
        Options(source_priority=["web", "web"])


def test_planted_near_duplicates_from_real_text_are_found_without_false_merges(tmp_path, shared_data):
    """Recall >= 0.95 for pairs at Jaccard >= 0.85, no merge below 0.5 (small sample;
    benchmarks/dedup.py runs the large one)."""
    lines = (shared_data / "text" / "kwdlc_web_leads.jsonl").read_text(encoding="utf-8").splitlines()
    leads = [json.loads(line)["text"] for line in lines]
    bases = ["\n".join(leads[i : i + 8]) for i in range(0, 8 * 80, 8)]
    rng = random.Random(7)
    shingler = CharMinhashSignature("memory://planted", MinhashConfig(hash_config=HashConfig(precision=32, hash_fc="sha1")))
    docs, truth = [], {}
    for i, base in enumerate(bases):
        docs.append(Document(text=base, id=f"base/{i}", metadata={"source": "web"}))
        copy = plant(base, rng.choice([0.02, 0.05, 0.1, 0.2, 0.35, 0.6]), rng, boilerplate=leads[-1] + leads[-2])
        docs.append(Document(text=copy, id=f"copy/{i}", metadata={"source": "web"}))
        truth[i] = true_jaccard(shingler.get_shingles(base), shingler.get_shingles(copy))
    rng.shuffle(docs)
    _, ctx = run(tmp_path, [write_shards(tmp_path / "in" / "planted.parquet", docs)])
    excluded = {d.id: d.metadata.get("duplicate_of") for d in read_shards(ctx.excluded_dir)}
    merged = {i for i in truth if f"copy/{i}" in excluded or f"base/{i}" in excluded}
    high = [i for i, j in truth.items() if j >= 0.85]
    low = [i for i, j in truth.items() if j < 0.5]
    assert len(high) >= 20 and len(low) >= 5
    assert len(merged & set(high)) / len(high) >= 0.95
    assert merged & set(low) == set()
    # nothing merged with a document that is not its own base or copy
    for doc_id, dup_of in excluded.items():
        assert doc_id.split("/")[1] == dup_of.split("/")[1]


def test_without_exact_dedup_copies_are_near_duplicates(tmp_path, planted_inputs):
    report, _ = run(tmp_path, planted_inputs, exact=False)
    # the two unshingled "はい。" copies are only visible to exact dedup
    assert report["excluded_by_reason"] == {"near_duplicate": 3}


def test_unreadable_input_file_is_counted_and_the_rest_is_deduplicated(tmp_path, planted_inputs):
    broken = tmp_path / "in" / "broken.parquet"
    broken.write_bytes(b"PAR1 not really parquet")
    report, _ = run(tmp_path, [*planted_inputs, str(broken)], tasks=2)
    assert report["documents"]["in"] == 12
    assert report["excluded_by_reason"]["unreadable_file:ArrowInvalid"] == 1
    assert report["excluded_by_reason"]["near_duplicate"] == 2
