"""Document ids are unique in a run: a file listed twice (or copied) is read once, an id
repeated inside one input is renamed `#dup<n>`, and both are counted."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.evalsets import bad_inputs as bad
import pyarrow.parquet as pq

from corpus.config import ExecutorConfig
from corpus.sources.manifest import Source
from corpus.run.stage import StageContext, run_stage
from corpus.readers.unique_ids import UniqueIds, duplicate_id_count, unique_inputs
from pipelines.ingest_code import STAGE as CODE, Options as CodeOptions

ROOT = Path(__file__).resolve().parent.parent
REAL_WARC = "web/cc-main-2020-34_sample_non-ja.warc.gz"
REAL_DUMP = "wiki/jawiki_pages-articles_first262pages_2022.xml.bz2"


def cli(stage: str, inputs: list[Path], out: Path) -> tuple[dict, list[dict]]:
    env = {**os.environ, "JACORPUS_QUIET": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "corpus.cli", "ingest", stage, "--input", *map(str, inputs),
                           "--output", str(out), "--quiet"], env=env, capture_output=True, text=True, timeout=600,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [{**r, "kept": folder == "shards"} for folder in ("shards", "excluded")
            for shard in sorted((out / folder).glob("*.parquet")) for r in pq.read_table(shard).to_pylist()]
    return json.loads((out / "report.json").read_text()), rows


def reader_stats(report: dict) -> dict:
    return next(v for k, v in report["steps"].items() if "READER" in k)


def test_repeated_ids_get_numbered_suffixes():
    ids = UniqueIds()
    assert [ids.claim(i) for i in ["web/a", "web/b", "web/a", "web/a", "wiki/jawiki/5", "wiki/jawiki/5",
                                    "wiki/jawikibooks/5"]] == [
        "web/a", "web/b", "web/a#dup1", "web/a#dup2", "wiki/jawiki/5", "wiki/jawiki/5#dup1", "wiki/jawikibooks/5"]


def test_a_file_its_links_and_its_copies_are_one_input(tmp_path):
    a = tmp_path / "a.warc"
    a.write_bytes(b"x" * 100)
    (tmp_path / "copy.warc").write_bytes(b"x" * 100)
    (tmp_path / "other.warc").write_bytes(b"y" * 100)  # same size, other bytes
    (tmp_path / "link.warc").symlink_to(a)
    os.link(a, tmp_path / "hard.warc")
    paths = [str(tmp_path / n) for n in ("a.warc", "copy.warc", "other.warc", "link.warc", "hard.warc")] + [str(a)]
    kept, repeats = unique_inputs(paths)
    assert kept == [str(a), str(tmp_path / "other.warc")]
    assert repeats == {str(a): 4}
    kept, repeats = unique_inputs(paths, copies=False)  # source trees: only the same file is a repeat
    assert str(tmp_path / "copy.warc") in kept and str(tmp_path / "hard.warc") in kept


def test_real_warc_given_twice_and_copied_is_read_once(shared_data, tmp_path):
    copy = tmp_path / "copy.warc.gz"
    shutil.copy(shared_data / REAL_WARC, copy)
    report, rows = cli("web", [shared_data / REAL_WARC, shared_data / REAL_WARC, copy], tmp_path / "out")
    assert report["documents"]["in"] == 16
    assert len({r["id"] for r in rows}) == len(rows) == 16
    assert reader_stats(report)["duplicate_inputs"] == 2


def test_repeated_warc_record_id_is_renamed_and_counted(tmp_path):
    report, rows = cli("web", [bad.duplicate_record_id_warc(tmp_path / "dup.warc.gz")], tmp_path / "out")
    ids = sorted(r["id"] for r in rows)
    assert ids == ["web/urn:uuid:00000000-0000-4000-8000-000000000070",
                   "web/urn:uuid:00000000-0000-4000-8000-000000000070#dup1",
                   "web/urn:uuid:00000000-0000-4000-8000-000000000072"]
    assert reader_stats(report)["duplicate_ids"] == 1
    renamed = next(r for r in rows if r["id"].endswith("#dup1"))
    assert json.loads(renamed["metadata"]["extra"])["duplicate_id_of"] == ids[0]


def test_two_wiki_pages_with_one_id_are_both_kept_under_unique_ids(tmp_path):
    report, rows = cli("wiki", [bad.duplicate_page_id_dump(tmp_path / "dup.xml")], tmp_path / "out")
    kept = {r["id"]: r["metadata"]["title"] for r in rows if r["kept"]}
    assert kept == {"wiki/jawiki/150": "谷戸 150", "wiki/jawiki/151": "同じ ID その一",
                    "wiki/jawiki/151#dup1": "同じ ID その二", "wiki/jawiki/152": "谷戸 152"}
    assert reader_stats(report)["duplicate_ids"] == 1


def test_real_dump_given_twice_is_read_once(shared_data):
    from filters.wiki.dump_reader import WikiDumpReader

    dump = str(shared_data / REAL_DUMP)
    reader = WikiDumpReader([dump, dump])
    ids = [doc.id for doc in reader.run()]
    assert len(ids) == len(set(ids)) == 263
    assert reader.stats["duplicate_inputs"].total == 1


def test_one_sdist_in_two_sources_is_one_set_of_documents(shared_data, tmp_path):
    sdist = str(shared_data / "code" / "jaconv-0.5.0.tar.gz")
    copy = tmp_path / "mirror" / "jaconv-0.5.0.tar.gz"
    copy.parent.mkdir()
    shutil.copy(sdist, copy)
    sources = [(Source(name="pypi", kind="code", paths=[sdist]), [sdist]),
               (Source(name="mirror", kind="code", paths=[str(copy)]), [str(copy), sdist])]
    inputs = [sdist, str(copy), sdist]
    ctx = StageContext(name="ingest_code", stage_dir=tmp_path / "out", inputs=inputs, options=CodeOptions(),
                       executor=ExecutorConfig(tasks=2, workers=1), sources=sources, quiet=True)
    report = run_stage(CODE, ctx)
    ids = [r["id"] for folder in ("shards", "excluded") for shard in (tmp_path / "out" / folder).glob("*.parquet")
           for r in pq.read_table(shard, columns=["id"]).to_pylist()]
    assert len(ids) == len(set(ids)) == report["documents"]["in"]
    assert reader_stats(report)["duplicate_inputs"] == 2


def test_two_trees_with_one_name_keep_distinct_ids(tmp_path):
    for source in ("a", "b"):
        tree = tmp_path / source / "requests"
        tree.mkdir(parents=True)
        (tree / "LICENSE").write_text(bad.MIT)
        (tree / "api.py").write_text(f"SOURCE = {source!r}\n")
    files = [str(p) for p in sorted(tmp_path.rglob("*")) if p.is_file()]
    ctx = StageContext(name="ingest_code", stage_dir=tmp_path / "out", inputs=files, options=CodeOptions(),
                       executor=ExecutorConfig(tasks=1, workers=1), quiet=True)
    run_stage(CODE, ctx)
    kept = {r["id"]: r["text"] for shard in (tmp_path / "out" / "shards").glob("*.parquet")
            for r in pq.read_table(shard).to_pylist()}
    assert kept == {"code/requests/api.py": "SOURCE = 'a'\n", "code/requests~2/api.py": "SOURCE = 'b'\n"}
    assert duplicate_id_count(tmp_path / "out") == 0


def test_stage_reports_say_how_repeats_were_resolved(tmp_path):
    report, _ = cli("wiki", [bad.duplicate_page_id_dump(tmp_path / "dup.xml")], tmp_path / "out")
    assert report["figures"]["duplicate_ids"] == {"inputs_read_once": 0, "renamed_within_files": 1,
                                                  "renamed_across_files": 0}
