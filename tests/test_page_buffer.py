"""Task-mode host boilerplate holds pages back in a PageBuffer whose pages past a small
in-memory part wait in an unnamed temporary file: the pages come back as they went in, the
stage writes the same shards whatever part is in memory, memory no longer follows the
number of held pages, and a task killed while pages wait on disk leaves nothing behind and
reruns to the same output.

Pages are real: the packed fixture WARC of ../shared/data/web (69 Japanese pages of many
sites), with the project's shop site (24 pages of one host sharing a sidebar, so tables are
learned and applied) appended in the same file, so one task holds both."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from corpus.config import ExecutorConfig
from corpus.run.stage import StageContext, run_stage
from data_manifests.demo import shop_site
from filters.web.host_boilerplate import BoilerplateConfig, learn_within_task
from filters.web.page_buffer import PageBuffer
from filters.web.warc_reader import WarcReader
from pipelines.ingest_web import STAGE, Options

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.harness.run_outputs import differences, outputs  # noqa: E402


@pytest.fixture(scope="module")
def mixed_warc(shared_data, tmp_path_factory) -> Path:
    """The real fixture pages, then the shop site's, in ONE gzip WARC (members concatenate)."""
    folder = tmp_path_factory.mktemp("page_buffer_in")
    shop = shop_site.make(folder / "shop")
    path = folder / "mixed.warc.gz"
    path.write_bytes((shared_data / "web" / "ja_fixture_pages_packed.warc.gz").read_bytes()
                     + b"".join(p.read_bytes() for p in shop))
    return path


def pages(warc: Path) -> list:
    return [d for d in WarcReader([str(warc)]).run(None) if d.text]


def as_tuple(doc) -> tuple:
    return doc.id, doc.text, doc.media, list(doc.metadata.items()), [type(v) for v in doc.metadata.values()]


@pytest.mark.parametrize("memory_chars", [0, 50_000, 10**9])
def test_pages_come_back_in_order_and_unchanged_over_two_fills(mixed_warc, tmp_path, memory_chars):
    docs = pages(mixed_warc)
    expected = [as_tuple(d) for d in docs]
    spill_dir = tmp_path / "spill"
    with PageBuffer(memory_chars, str(spill_dir)) as buffer:
        half = len(docs) // 2
        for doc in docs[:half]:
            buffer.append(doc)
        assert len(buffer) == half and buffer.chars == sum(len(d.text) for d in docs[:half])
        first = [as_tuple(d) for d in buffer.drain()]
        assert len(buffer) == 0 and buffer.chars == 0
        for doc in docs[half:]:  # the second fill reuses the (truncated) file
            buffer.append(doc)
        second = [as_tuple(d) for d in buffer.drain()]
        spilled = buffer.spilled_total
    assert first + second == expected
    if memory_chars == 10**9:
        assert spilled == 0 and not spill_dir.exists()  # a small task never touches the disk
    elif memory_chars == 0:
        assert spilled == len(docs)
    else:
        assert 0 < spilled < len(docs)


def test_the_spill_file_has_no_name_so_a_killed_task_leaves_nothing(mixed_warc, tmp_path):
    spill_dir = tmp_path / "spill"
    with PageBuffer(0, str(spill_dir)) as buffer:
        for doc in pages(mixed_warc):
            buffer.append(doc)
        assert buffer.spilled_total > 90  # the 69 fixture pages and the 24 shop pages
        assert list(spill_dir.iterdir()) == []
    assert list(spill_dir.iterdir()) == []


def test_memory_does_not_follow_the_held_pages(mixed_warc):
    """Holding four times the pages costs next to nothing more (the in-memory part is the
    same), where holding them all as objects costs about four times as much."""
    blob = pickle.dumps(pages(mixed_warc))  # fresh copies per round, not references to one list

    def held_bytes(rounds: int, memory_chars: int) -> int:
        tracemalloc.start()
        try:
            with PageBuffer(memory_chars) as buffer:
                for _ in range(rounds):
                    for doc in pickle.loads(blob):
                        buffer.append(doc)
                return tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()

    small, everything = 100_000, 10**12
    growth_all_in_memory = held_bytes(4, everything) - held_bytes(1, everything)
    assert growth_all_in_memory > 2 * held_bytes(1, everything)  # what the buffer used to do
    assert held_bytes(4, small) - held_bytes(1, small) < 0.02 * growth_all_in_memory
    assert held_bytes(4, small) < 2 * 4 * small + (1 << 20)  # 2-4 bytes a character, plus pickling's scraps


def test_learn_within_task_closes_its_buffer_when_the_consumer_stops_early(mixed_warc, tmp_path):
    buffer = PageBuffer(0, str(tmp_path))
    out = learn_within_task(pages(mixed_warc), BoilerplateConfig(), held=buffer)
    next(out)
    out.close()
    assert buffer._file is None and len(buffer) == 0


def run(tmp_path: Path, warc: Path, name: str, **options) -> dict:
    ctx = StageContext(name="ingest_web", stage_dir=tmp_path / name, inputs=[str(warc)],
                       options=Options(**options), executor=ExecutorConfig(), quiet=True)
    return run_stage(STAGE, ctx)


def shards(folder: Path) -> dict:
    return {k: v for k, v in outputs(folder).items() if k.startswith(("shards/", "excluded/"))}


def held_on_disk(report: dict) -> int:
    return next(v for k, v in report["steps"].items() if "HTML to text" in k).get("pages_held_on_disk", 0)


def test_spilling_pages_writes_the_same_shards_as_holding_them_in_memory(mixed_warc, tmp_path):
    """Several releases (buffer of 300k characters), tables learned for the shop site: the
    kept and excluded shards are byte-identical whatever part of the buffer is in memory."""
    common = {"boilerplate_buffer_chars": 300_000}
    memory = run(tmp_path, mixed_warc, "memory", boilerplate_buffer_memory_chars=10**9, **common)
    assert held_on_disk(memory) == 0
    reference = shards(tmp_path / "memory")
    assert any(k.startswith("shards/") for k in reference) and any(k.startswith("excluded/") for k in reference)
    for memory_chars in (0, 50_000):
        report = run(tmp_path, mixed_warc, f"spill_{memory_chars}", boilerplate_buffer_memory_chars=memory_chars,
                     **common)
        assert held_on_disk(report) >= (33 if memory_chars == 0 else 10)  # 33 HTML pages reach extraction
        assert report["documents"] == memory["documents"]
        assert report["figures"]["host_boilerplate_totals"] == memory["figures"]["host_boilerplate_totals"]
        assert report["figures"]["host_boilerplate_totals"]["boilerplate_chars"] > 0
        assert differences(reference, shards(tmp_path / f"spill_{memory_chars}")) == []
        assert list((tmp_path / f"spill_{memory_chars}" / "work" / "page_buffer").iterdir()) == []


ENV = {**os.environ, "PYTHONPATH": str(ROOT), "JACORPUS_QUIET": "1"}


def cli(args: list[str], cwd: Path, pause: Path | None = None) -> subprocess.Popen:
    head = [str(ROOT / "benchmarks" / "harness" / "stage_pause.py"), str(pause), "0", "--"] if pause else ["-m", "corpus.cli"]
    return subprocess.Popen([sys.executable, *head, *args, "--quiet"], cwd=cwd, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)


@pytest.mark.slow
def test_sigkill_while_pages_wait_on_disk_then_rerun_gives_the_uninterrupted_output(mixed_warc, tmp_path):
    out = tmp_path / "out"
    args = ["ingest", "web", "-i", str(mixed_warc), "-o", str(out), "--set", "boilerplate_buffer_memory_chars=0"]
    done = cli(args, tmp_path)
    assert done.wait(timeout=600) == 0, done.stderr.read()
    reference = outputs(out)
    os.rename(out, tmp_path / "reference")
    ready = tmp_path / "ready"
    proc = cli(args, tmp_path, pause=ready)  # pauses at its first shard write: every page is on disk then
    try:
        deadline = time.time() + 300
        while not ready.exists():
            assert proc.poll() is None, proc.stderr.read()[-800:]
            assert time.time() < deadline, "the kill point was never reached"
            time.sleep(0.02)
        assert list((out / "work" / "page_buffer").iterdir()) == []  # the open spill file has no name
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    assert list(out.rglob("*.partial")) and not (out / "report.json").exists()
    done = cli(args, tmp_path)
    assert done.wait(timeout=600) == 0, done.stderr.read()
    assert list((out / "work" / "page_buffer").iterdir()) == []
    assert differences(reference, outputs(out)) == []
