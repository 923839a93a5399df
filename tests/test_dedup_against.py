"""Global dedup across runs: a second crawl deduplicated against the survivors of a first one,
from the first run's index alone (its documents and work files deleted), on real web leads."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datatrove.data import Document

from corpus.config import ConfigError, ExecutorConfig
from corpus.formats.schema import SCHEMA, document_to_row, row_to_document
from corpus.run.stage import StageContext, run_stage
from pipelines.dedup import STAGE, Options

LEADS = 120


@pytest.fixture(scope="module")
def leads(shared_data) -> list[str]:
    with (shared_data / "text" / "kwdlc_web_leads.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line)["text"] for line, _ in zip(f, range(LEADS))]


def near_copy(text: str, seed: int) -> str:
    """1% of the characters replaced: a Jaccard of about 0.9 on character 5-grams."""
    rng, chars = random.Random(seed), list(text)
    for i in rng.sample(range(len(chars)), max(1, len(chars) // 100)):
        chars[i] = "ー"
    return "".join(chars)


def exact_copy(text: str) -> str:
    """Equal after NFKC and whitespace folding."""
    return text.translate(str.maketrans("0123456789", "０１２３４５６７８９")).replace("。", "。\n")


def write_crawl(folder: Path, docs: list[tuple[str, str, str]], files: int = 2) -> list[str]:
    """(id, source, text) documents split over `files` shards."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(files):
        rows = [document_to_row(Document(text=t, id=i, metadata={"source": s})) for i, s, t in docs[k::files]]
        path = folder / f"{k}.parquet"
        pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), path)
        paths.append(str(path))
    return paths


def dedup(stage_dir: Path, inputs: list[str], tasks: int = 2, **options) -> dict:
    ctx = StageContext(name="dedup", stage_dir=stage_dir, inputs=inputs, options=Options(**options),
                       executor=ExecutorConfig(tasks=tasks, workers=1), quiet=True)
    return run_stage(STAGE, ctx)


def documents(folder: Path) -> dict[str, Document]:
    return {d.id: d for p in sorted(folder.glob("*.parquet")) for d in map(row_to_document, pq.read_table(p).to_pylist())}


@pytest.fixture(scope="module")
def first_run(leads, tmp_path_factory) -> Path:
    """Crawl 1: leads 0-59, plus a near copy of lead 0 that its own dedup removes."""
    root = tmp_path_factory.mktemp("crawl1")
    docs = [(f"web/c1/{i}", "web", leads[i]) for i in range(60)] + [("web/c1/near0", "web", near_copy(leads[0], 1))]
    report = dedup(root / "dedup", write_crawl(root / "in", docs))
    assert report["documents"] == {"in": 61, "kept": 60, "excluded": 1}
    return root / "dedup"


def test_first_run_keeps_its_survivors_as_an_index(first_run):
    index = first_run / "index"
    manifest = json.loads((index / "index.json").read_text())
    assert manifest["settings"]["ngram_size"] == 5 and manifest["parts"] == 2
    indexed = [row["id"] for p in sorted((index / "docs").glob("*.parquet")) for row in pq.read_table(p).to_pylist()]
    assert sorted(indexed) == sorted(documents(first_run / "shards"))  # exactly what the run kept
    assert "web/c1/near0" not in indexed


def test_second_crawl_loses_copies_of_the_first_runs_survivors_without_reading_the_first_run(first_run, leads,
                                                                                             tmp_path):
    # only the index and the report stay: the first run's documents and work files are gone
    old = tmp_path / "crawl1" / "dedup"
    shutil.copytree(first_run, old, symlinks=True)
    for folder in ("shards", "excluded", "work", "passes"):
        shutil.rmtree(old / folder)
    docs = [(f"web/c2/exact{i}", "web", exact_copy(leads[i])) for i in range(40, 50)]  # 10 exact copies
    docs += [(f"web/c2/near{i}", "web", near_copy(leads[i], i)) for i in range(50, 56)]  # 6 near copies
    docs += [("web/c2/near0-again", "web", near_copy(leads[0], 99))]  # a copy of what crawl 1 kept
    docs += [(f"web/c2/new{i}", "web", leads[i]) for i in range(60, LEADS)]  # 60 new pages
    docs += [("web/c2/new60-copy", "web", exact_copy(leads[60]))]  # a duplicate inside crawl 2
    report = dedup(tmp_path / "crawl2" / "dedup", write_crawl(tmp_path / "crawl2" / "in", docs, files=3), tasks=3,
                   against=[str(old)])
    assert report["documents"] == {"in": 78, "kept": 60, "excluded": 18}
    excluded = documents(tmp_path / "crawl2" / "dedup" / "excluded")
    kept = documents(tmp_path / "crawl2" / "dedup" / "shards")
    against = {i for i, d in excluded.items() if d.metadata.get("duplicate_in") == str(old.resolve())}
    assert against == {f"web/c2/exact{i}" for i in range(40, 50)} | {f"web/c2/near{i}" for i in range(50, 56)} \
        | {"web/c2/near0-again"}
    assert excluded["web/c2/exact42"].metadata["reason"] == "exact_duplicate"
    assert excluded["web/c2/exact42"].metadata["duplicate_of"] == "web/c1/42"
    assert excluded["web/c2/near51"].metadata["reason"] == "near_duplicate"
    assert excluded["web/c2/near51"].metadata["duplicate_of"] == "web/c1/51"
    assert excluded["web/c2/near0-again"].metadata["duplicate_of"] == "web/c1/0"
    # the copy inside crawl 2 is an ordinary duplicate of crawl 2's own page
    assert excluded["web/c2/new60-copy"].metadata["duplicate_of"] == "web/c2/new60"
    assert "duplicate_in" not in excluded["web/c2/new60-copy"].metadata
    assert set(kept) == {f"web/c2/new{i}" for i in range(60, LEADS)}
    assert report["figures"]["against"] == {str(old.resolve()): {"exact_duplicate": 10, "near_duplicate": 7}}


def test_the_earlier_runs_copy_survives_whatever_the_source_priority(first_run, leads, tmp_path):
    """Crawl 1 is published: its web page stays, and crawl 2's Wikipedia copy of it goes."""
    docs = [("wiki/c2/7", "wiki", leads[7]), ("wiki/c2/new", "wiki", leads[100])]
    report = dedup(tmp_path / "dedup", write_crawl(tmp_path / "in", docs, files=1), tasks=1, against=[str(first_run)])
    assert report["excluded_by_reason"] == {"exact_duplicate": 1}
    assert documents(tmp_path / "dedup" / "excluded")["wiki/c2/7"].metadata["duplicate_of"] == "web/c1/7"


def test_first_run_is_left_as_it_was(first_run, leads, tmp_path):
    before = {str(p): p.read_bytes() for p in sorted(first_run.rglob("*")) if p.is_file() and not p.is_symlink()}
    dedup(tmp_path / "dedup", write_crawl(tmp_path / "in", [("web/x", "web", exact_copy(leads[3]))], files=1),
          tasks=1, against=[str(first_run)])
    after = {str(p): p.read_bytes() for p in sorted(first_run.rglob("*")) if p.is_file() and not p.is_symlink()}
    assert before == after


def test_an_index_built_with_other_settings_is_refused_in_one_line(first_run, leads, tmp_path):
    inputs = write_crawl(tmp_path / "in", [("web/x", "web", leads[3])], files=1)
    with pytest.raises(ConfigError, match=r"other settings \(ngram_size"):
        dedup(tmp_path / "dedup", inputs, tasks=1, ngram_size=7, against=[str(first_run)])


def test_an_unfinished_or_missing_index_is_refused(first_run, leads, tmp_path):
    inputs = write_crawl(tmp_path / "in", [("web/x", "web", leads[3])], files=1)
    unfinished = tmp_path / "unfinished"
    shutil.copytree(first_run, unfinished, symlinks=True)
    (unfinished / "report.json").unlink()
    with pytest.raises(ConfigError, match="has not finished"):
        dedup(tmp_path / "d1", inputs, tasks=1, against=[str(unfinished)])
    with pytest.raises(ConfigError, match="holds no dedup index"):
        dedup(tmp_path / "d2", inputs, tasks=1, against=[str(tmp_path / "nowhere")])


def test_the_dedup_command_takes_against(first_run, leads, tmp_path):
    from corpus.cli import main

    inputs = write_crawl(tmp_path / "in", [("web/x", "web", exact_copy(leads[5])), ("web/y", "web", leads[101])], files=1)
    assert main(["dedup", "-i", *inputs, "-o", str(tmp_path / "dedup"), "--against", str(first_run), "--quiet"]) == 0
    report = json.loads((tmp_path / "dedup" / "report.json").read_text())
    assert report["options"]["against"] == [str(first_run)]
    assert report["figures"]["against"] == {str(first_run.resolve()): {"exact_duplicate": 1, "near_duplicate": 0}}
