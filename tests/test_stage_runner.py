"""The stage runner: accounting from files, completions, reruns, loud failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from datatrove.data import Document
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter

from corpus.run.accounting import AccountingError
from corpus.config import ExecutorConfig, Strict
from corpus.readers.exclusion import ExcludeMarked
from corpus.readers.path_list import PathListReader
from corpus.run.stage import DatatroveStage, StageContext, run_stage


class LineReader(PathListReader):
    name = "lines"

    def read_path(self, path):
        for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines()):
            if line.startswith("!"):
                yield self.excluded(f"{path}:{i}", "bang_line", path, text=line)
            else:
                yield Document(text=line, id=f"{path}:{i}", metadata={"source": "web", "path": path})


class ShortFilter(BaseFilter):
    name = "short"

    def filter(self, doc):
        return len(doc.text) >= 3 or (False, "too_short")


class Dropper(PipelineStep):
    """Loses documents on purpose: the runner must notice."""

    name = "dropper"

    def run(self, data, rank=0, world_size=1):
        for i, doc in enumerate(data):
            if i % 2 == 0:
                yield doc


class Opts(Strict):
    pass


def build(ctx):
    return [
        LineReader(ctx.inputs),
        ExcludeMarked(exclusion_writer=ctx.exclusion_writer("reader")),
        ShortFilter(exclusion_writer=ctx.exclusion_writer("short")),
        ctx.shard_writer(),
    ]


STAGE = DatatroveStage(name="lines", options=Opts, reads="text", writes="shards", build=build)


@pytest.fixture
def inputs(tmp_path):
    paths = []
    for n in range(3):
        p = tmp_path / f"in{n}.txt"
        p.write_text("こんにちは\nab\n!bad\n日本語の文\n", encoding="utf-8")
        paths.append(str(p))
    return paths


def ctx_for(tmp_path, inputs, **kw):
    return StageContext(
        name="lines", stage_dir=tmp_path / "out", inputs=inputs, options=Opts(),
        executor=ExecutorConfig(tasks=2, workers=2), quiet=True, **kw,
    )


def test_tasks_are_the_executors_capped_by_input_files(tmp_path, inputs):
    assert ctx_for(tmp_path, inputs).tasks == 2
    assert ctx_for(tmp_path, inputs[:1]).tasks == 1
    assert ctx_for(tmp_path, []).tasks == 1
    wide = ctx_for(tmp_path, inputs)
    wide.executor = ExecutorConfig(tasks=8, workers=2)
    assert wide.tasks == 3


def test_report_counts_kept_and_excluded_from_files(tmp_path, inputs):
    report = run_stage(STAGE, ctx_for(tmp_path, inputs))
    assert report["documents"] == {"in": 12, "kept": 6, "excluded": 6}
    assert report["excluded_by_reason"] == {"bang_line": 3, "too_short": 3}
    on_disk = json.loads((tmp_path / "out" / "report.json").read_text())
    assert on_disk["documents"] == report["documents"]
    assert sorted(p.name for p in (tmp_path / "out" / "completions").iterdir()) == ["00000", "00001"]


def test_second_run_does_no_work_and_force_reruns(tmp_path, inputs, capsys):
    run_stage(STAGE, ctx_for(tmp_path, inputs))
    before = (tmp_path / "out" / "report.json").stat().st_mtime_ns
    ctx = ctx_for(tmp_path, inputs)
    ctx.quiet = False
    run_stage(STAGE, ctx)
    assert "already complete" in capsys.readouterr().out
    assert (tmp_path / "out" / "report.json").stat().st_mtime_ns == before
    report = run_stage(STAGE, ctx_for(tmp_path, inputs, force=True))
    assert (tmp_path / "out" / "report.json").stat().st_mtime_ns != before
    assert report["documents"]["in"] == 12


def test_interrupted_stage_reruns_only_unfinished_tasks(tmp_path, inputs):
    run_stage(STAGE, ctx_for(tmp_path, inputs))
    out = tmp_path / "out"
    (out / "report.json").unlink()
    (out / "completions" / "00001").unlink()
    report = run_stage(STAGE, ctx_for(tmp_path, inputs))
    assert report["documents"] == {"in": 12, "kept": 6, "excluded": 6}


def test_lost_documents_fail_the_stage(tmp_path, inputs):
    leaky = DatatroveStage(
        name="leaky", options=Opts, reads="", writes="",
        build=lambda ctx: [LineReader(ctx.inputs), Dropper(), ctx.shard_writer()],
    )
    with pytest.raises(AccountingError, match="unaccounted"):
        run_stage(leaky, ctx_for(tmp_path, inputs))
    assert not (tmp_path / "out" / "report.json").exists()


def test_unreadable_file_is_an_excluded_document(tmp_path):
    missing = str(tmp_path / "gone.txt")
    report = run_stage(STAGE, ctx_for(tmp_path, [missing]))
    assert report["documents"] == {"in": 1, "kept": 0, "excluded": 1}
    assert report["excluded_by_reason"] == {"unreadable_file:FileNotFoundError": 1}


class Crasher(PipelineStep):
    name = "crasher"

    def run(self, data, rank=0, world_size=1):
        for i, doc in enumerate(data):
            if i == 2:
                raise RuntimeError("boom")
            yield doc


def test_failed_task_leaves_only_partial_files_and_no_report(tmp_path, inputs):
    crashing = DatatroveStage(
        name="crashing", options=Opts, reads="", writes="",
        build=lambda ctx: [LineReader(ctx.inputs), Crasher(), ctx.shard_writer()],
    )
    ctx = ctx_for(tmp_path, inputs[:1])
    ctx.executor = ExecutorConfig(tasks=1, workers=1)
    with pytest.raises(Exception):
        run_stage(crashing, ctx)
    out = tmp_path / "out"
    assert not list(out.rglob("*.parquet"))
    assert list((out / "shards").glob("*.parquet.partial"))
    assert not (out / "report.json").exists()
    # the rerun (fixed pipeline) overwrites the partial file and completes
    report = run_stage(STAGE, ctx_for(tmp_path, inputs[:1]))
    assert report["documents"]["in"] == 4
    assert not list(out.rglob("*.partial"))
