"""Per-host boilerplate in the ingest_web stage: the project's shop site (24 product pages of
one host, the same long ranking sidebar on each, a short description of its own), in
EUC-JP and Shift_JIS, learned within the task (default) or in a first pass over all inputs
(`crawl`); the boilerplate_only exclusion; the report; local and Ray alike."""

from __future__ import annotations

import codecs
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corpus.config import ExecutorConfig
from corpus.formats.schema import row_to_document
from corpus.run.stage import StageContext, run_stage
from data_manifests.demo import shop_site
from pipelines.ingest_web import STAGE, Options

SIDEBAR_SENTENCES = [line.split(" ", 2)[2] for line in shop_site.RANKING]


def run(tmp_path: Path, inputs: list[Path], name: str = "ingest_web", executor: ExecutorConfig | None = None,
        **options) -> dict:
    ctx = StageContext(name="ingest_web", stage_dir=tmp_path / name, inputs=[str(p) for p in inputs],
                       options=Options(**options), executor=executor or ExecutorConfig(), quiet=True)
    return run_stage(STAGE, ctx)


def documents(folder: Path) -> list:
    return [row_to_document(r) for p in sorted(folder.glob("*.parquet")) for r in pq.read_table(p).to_pylist()]


def scores(kept: list) -> tuple[int, int]:
    """(pages whose text holds their own description, pages whose text holds any sidebar sentence)"""
    by_url = {d.metadata["url"]: d.text for d in kept}
    own = sum(description in by_url.get(shop_site.url(n), "")
              for n, (_, _, description) in enumerate(shop_site.PRODUCTS, start=1))
    sidebar = sum(any(s in text for s in SIDEBAR_SENTENCES) for text in by_url.values())
    return own, sidebar


@pytest.mark.parametrize("mode", ["task", "crawl"])
@pytest.mark.parametrize("encoding", ["euc_jp", "shift_jis"])
def test_every_page_yields_its_own_description_and_none_the_sidebar(tmp_path, encoding, mode):
    warc = shop_site.make(tmp_path / "in", encoding)
    report = run(tmp_path, warc, host_boilerplate=mode)
    kept = documents(tmp_path / "ingest_web" / "shards")
    assert report["documents"] == {"in": 24, "kept": 24, "excluded": 0}
    assert {codecs.lookup(d.metadata["charset"]).name for d in kept} == {codecs.lookup(encoding).name}
    assert scores(kept) == (24, 0)
    # without the host tables the same pages carry the sidebar (what the test guards against)
    run(tmp_path, warc, name="single_page", host_boilerplate="off")
    assert scores(documents(tmp_path / "single_page" / "shards"))[1] == 24


def test_a_page_of_only_the_template_is_excluded_as_boilerplate_only_and_reported(tmp_path):
    warc = shop_site.make(tmp_path / "in", template_only_page=True)
    report = run(tmp_path, warc)
    assert report["documents"] == {"in": 25, "kept": 24, "excluded": 1}
    assert report["excluded_by_reason"] == {"boilerplate_only": 1}
    (page,) = documents(tmp_path / "ingest_web" / "excluded")
    assert page.metadata["url"] == shop_site.template_only_url()
    assert page.metadata["boilerplate_chars"] == page.metadata["page_text_chars"] > 0
    (host,) = report["figures"]["host_boilerplate"]
    assert (host["host"], host["pages"], host["boilerplate_only"]) == (shop_site.HOST, 25, 1)
    assert 0.5 < host["share"] < 1 and host["boilerplate_chars"] < host["page_text_chars"]
    assert report["figures"]["host_boilerplate_totals"]["hosts"] == 1


def test_html_report_shows_the_boilerplate_share_per_host(tmp_path):
    from corpus.reports.html_report import write_html_report

    warc = shop_site.make(tmp_path / "in")
    run(tmp_path / "run", warc)
    html = write_html_report(tmp_path / "run").read_text(encoding="utf-8")
    assert "boilerplate share per host" in html and shop_site.HOST in html


def test_hosts_are_learned_across_input_files_and_tasks(tmp_path):
    """Each WARC holds half of the site: a table learned within one file would miss the
    template's share on neither, but per-host counts merged over both tasks are the same
    as for one file."""
    import gzip
    import io

    from fastwarc.warc import ArchiveIterator

    (whole,) = shop_site.make(tmp_path / "in")
    records = gzip.decompress(whole.read_bytes())
    starts = [r.stream_pos for r in ArchiveIterator(io.BytesIO(records), parse_http=False)]
    half = starts[12]
    first, second = tmp_path / "in" / "a.warc.gz", tmp_path / "in" / "b.warc.gz"
    first.write_bytes(gzip.compress(records[:half], mtime=0))
    second.write_bytes(gzip.compress(records[half:], mtime=0))
    report = run(tmp_path, [first, second], executor=ExecutorConfig(tasks=2, workers=1), boilerplate_buckets=2,
                 host_boilerplate="crawl")
    assert report["documents"]["kept"] == 24
    assert scores(documents(tmp_path / "ingest_web" / "shards")) == (24, 0)
    assert (tmp_path / "ingest_web" / "passes" / "host_tables").is_dir()


def test_within_a_task_pages_are_held_back_only_up_to_the_buffer(tmp_path):
    """Task mode holds pages back while it learns; with room for 5 pages the first release
    already knows the template (on 5 of 5 pages); with room for 2 it cannot (2 < min_pages),
    so those 2 pages keep the sidebar and every later release knows it."""
    warc = shop_site.make(tmp_path / "in")
    page_chars = len(shop_site.page_html(1))
    run(tmp_path, warc, name="five", boilerplate_buffer_chars=5 * page_chars)
    assert scores(documents(tmp_path / "five" / "shards")) == (24, 0)
    run(tmp_path, warc, name="two", boilerplate_buffer_chars=page_chars + 1)  # released after the second page
    assert scores(documents(tmp_path / "two" / "shards")) == (24, 2)


def test_options_refuse_a_one_page_threshold_and_the_old_precheck_name():
    with pytest.raises(Exception):
        Options(boilerplate_min_pages=1)
    with pytest.raises(Exception):
        Options(require_japanese_marker=True)  # renamed japanese_precheck: the pre-check no longer requires one
    with pytest.raises(Exception):
        Options(host_boilerplate="sometimes")
    # YAML reads a bare `off` as false (`--set host_boilerplate=off`)
    assert Options(host_boilerplate=False).host_boilerplate == Options(japanese_precheck=False).japanese_precheck == "off"
    assert Options(host_boilerplate=True).host_boilerplate == "task"


@pytest.mark.slow
def test_three_passes_on_ray_give_the_local_output(tmp_path):
    ray = pytest.importorskip("ray")
    inputs = shop_site.make(tmp_path / "in", "euc_jp", template_only_page=True) + shop_site.make(tmp_path / "in", "shift_jis")
    root = Path(__file__).resolve().parent.parent
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(root)}})
    try:
        on_ray = run(tmp_path, inputs, name="ray", executor=ExecutorConfig(type="ray", tasks=2, workers=2),
                     host_boilerplate="crawl")
    finally:
        ray.shutdown()
    local = run(tmp_path, inputs, name="local", executor=ExecutorConfig(tasks=2, workers=2), host_boilerplate="crawl")
    assert on_ray["documents"] == local["documents"] == {"in": 49, "kept": 48, "excluded": 1}

    def rows(name: str) -> list[tuple[str, str]]:
        return sorted((d.id, d.text) for d in documents(tmp_path / name / "shards"))

    assert rows("ray") == rows("local")
    assert on_ray["figures"]["host_boilerplate"] == local["figures"]["host_boilerplate"]
