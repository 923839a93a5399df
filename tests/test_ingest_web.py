"""The ingest_web stage end to end: demo WARC, bad inputs, and the real shared WARCs."""

from __future__ import annotations

import codecs
import gzip
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpus.config import ExecutorConfig
from corpus.sources.manifest import Source
from corpus.formats.schema import SCHEMA, document_to_row, row_to_document
from corpus.run.stage import StageContext, run_stage
from data_manifests.demo import web as demo_web
from pipelines.ingest_web import STAGE, Options


def run(tmp_path: Path, inputs: list[str], sources=None, tasks: int = 1, **options) -> dict:
    ctx = StageContext(
        name="ingest_web", stage_dir=tmp_path / "ingest_web", inputs=[str(p) for p in inputs],
        options=Options(**options), executor=ExecutorConfig(tasks=tasks, workers=tasks),
        sources=sources or [], quiet=True,
    )
    return run_stage(STAGE, ctx)


def documents(folder: Path) -> list:
    return [row_to_document(row) for path in sorted(folder.glob("*.parquet")) for row in pq.read_table(path).to_pylist()]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    warc = demo_web.make(tmp / "inputs")
    source = Source(name="demo_web", kind="web", paths=["inputs/*.warc.gz"])
    report = run(tmp, warc, sources=[(source, [str(p) for p in warc])])
    return report, documents(tmp / "ingest_web" / "shards"), documents(tmp / "ingest_web" / "excluded")


def test_demo_every_response_is_kept_or_excluded_and_the_request_is_not_a_document(demo_run):
    report, _, _ = demo_run
    assert report["documents"] == {"in": 10, "kept": 9, "excluded": 1}
    assert report["excluded_by_reason"] == {"not_japanese": 1}
    assert report["figures"]["warc_records"] == {"warcinfo": 1, "request": 1, "response": 10}


def test_demo_good_pages_take_the_fast_extractor_and_the_bad_ones_trafilatura(demo_run):
    _, kept, _ = demo_run
    used = {d.metadata["url"]: d.metadata["extractor"] for d in kept}
    lists = {url for url in used if url.split("/")[2] in ("shop.example.jp", "matome.example.jp")}
    assert len(lists) == 3 and {used[url] for url in lists} == {"trafilatura"}  # no clean prose in a list
    assert {used[url] for url in used.keys() - lists} == {"resiliparse"}, used


def test_demo_republished_article_is_a_near_duplicate_the_dedup_stage_removes(demo_run, tmp_path):
    """The demo's portal copy of the weather article (another template, one sentence
    reworded) reaches the dedup stage as a near-duplicate, not an exact one."""
    from pipelines import dedup

    _, kept, _ = demo_run
    by_url = {d.metadata["url"]: d for d in kept}
    original = by_url["https://sora.example.jp/column/forecast.html"]
    copy = by_url["https://portal.example.jp/life/weather-forecast-20240501.html"]
    assert copy.text != original.text and copy.metadata["title"] != original.metadata["title"]
    shard = tmp_path / "web.parquet"
    pq.write_table(pa.Table.from_pylist([document_to_row(d) for d in kept], schema=SCHEMA), shard)
    ctx = StageContext(name="dedup", stage_dir=tmp_path / "dedup", inputs=[str(shard)], options=dedup.Options(),
                       quiet=True)
    report = run_stage(dedup.STAGE, ctx)
    assert report["excluded_by_reason"] == {"near_duplicate": 1}
    (pair,) = report["figures"]["example_pairs"]
    assert {pair["removed"]["id"], pair["kept"]["id"]} == {original.id, copy.id} and pair["jaccard"] >= 0.7


def test_demo_kept_documents_carry_the_metadata_contract(demo_run):
    _, kept, _ = demo_run
    for d in kept:
        m = d.metadata
        assert d.id.startswith("web/urn:uuid:")
        assert (m["source"], m["dataset"], m["lang"]) == ("web", "demo_web", "ja")
        assert m["lang_score"] >= 0.65 and m["url"].startswith("http") and m["date"].startswith("2024-05-01T09:00:")
        assert m["title"] and m["charset"] and m["charset_source"] and m["licence"]
        assert "<" not in d.text[:200]


def test_demo_licence_evidence_only_on_the_cc_page(demo_run):
    _, kept, _ = demo_run
    licences = {d.metadata["url"]: (d.metadata["licence"], d.metadata["licence_evidence"]) for d in kept}
    cc = licences.pop("https://satoyama.example.jp/notes/yato-shiki.html")
    assert cc[0] == "CC-BY-4.0" and cc[1].startswith("rel=license a href=https://creativecommons.org/licenses/by/4.0/")
    assert set(licences.values()) == {("unknown", "")}


def test_demo_shift_jis_page_without_declaration_is_detected_and_readable(demo_run):
    _, kept, _ = demo_run
    page = next(d for d in kept if d.metadata["url"] == "http://tabi.example.jp/onsen/history.html")
    assert (page.metadata["charset"], page.metadata["charset_source"]) == ("shift_jis", "detected")
    assert page.metadata["title"] == "温泉街の移り変わり" and "湯治" in page.text


def test_demo_english_page_under_a_japanese_template_is_dropped_by_language_id(demo_run):
    _, _, excluded = demo_run
    (english,) = excluded
    assert english.metadata["url"].endswith("/en/about.html")
    assert (english.metadata["excluded_by"], english.metadata["reason"], english.metadata["lang"]) == (
        "langid", "not_japanese", "en")


def test_demo_pii_page_keeps_its_contact_details_for_the_pii_step(demo_run):
    _, kept, _ = demo_run
    library = next(d for d in kept if "library" in d.metadata["url"])
    assert "info@library.example.jp" in library.text and "03-1234-5678" in library.text


def test_demo_input_is_deterministic_and_quick(tmp_path):
    import time

    started = time.perf_counter()
    first = demo_web.make(tmp_path / "a")[0].read_bytes()
    assert time.perf_counter() - started < 1.0
    assert first == demo_web.make(tmp_path / "b")[0].read_bytes()


def test_bad_inputs_are_counted_under_named_reasons_and_the_run_finishes(tmp_path):
    good = demo_web.make(tmp_path / "in")[0]
    data = good.read_bytes()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.warc.gz").write_bytes(b"")
    (bad / "notes.warc").write_text("これはWARCではありません\n", encoding="utf-8")
    (bad / "cut.warc.gz").write_bytes(data[: len(data) // 2])
    (bad / "corrupt.warc.gz").write_bytes(data[:3000] + b"\x1f\x8b\x08" + b"\xee" * 500 + data[3000:])
    inputs = sorted(str(p) for p in bad.iterdir())
    report = run(tmp_path, inputs, tasks=2)
    reasons = report["excluded_by_reason"]
    assert reasons["empty_file"] == 1 and reasons["not_warc"] == 1
    assert reasons.get("truncated_record", 0) + reasons.get("corrupt_record", 0) >= 2
    d = report["documents"]
    assert d["in"] == d["kept"] + d["excluded"] and d["kept"] >= 8


def test_block_list_excludes_listed_hosts(tmp_path):
    warc = demo_web.make(tmp_path / "in")
    listing = tmp_path / "blocked.txt"
    listing.write_text("shop.example.jp\n", encoding="utf-8")
    report = run(tmp_path, warc, url_blocklist=str(listing))
    assert report["excluded_by_reason"]["url_blocked"] == 2


def test_unknown_option_is_rejected():
    with pytest.raises(Exception, match="extra"):
        Options(lang_min_scor=0.5)


def test_packed_fixture_warc_every_record_has_its_expected_charset(shared_data, tmp_path):
    """Charset target of the issue: 100% of the 69 pages decoded with the right charset,
    checked on the stage's own output (kept and excluded shards)."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    path = shared_data / "web" / "ja_fixture_pages_packed.warc.gz"
    expected = {
        "web/" + r.headers.get("WARC-Record-ID").strip("<>"): r.headers.get("WARC-X-Expected-Charset")
        for r in ArchiveIterator(str(path), record_types=WarcRecordType.response)
    }
    report = run(tmp_path, [path])
    out = documents(tmp_path / "ingest_web" / "shards") + documents(tmp_path / "ingest_web" / "excluded")
    assert report["documents"]["in"] == 69 and len(out) == 69
    charset = {d.id: d.metadata.get("charset") for d in out}
    wrong = {i: (expected[i], charset[i]) for i in expected
             if not charset[i] or codecs.lookup(expected[i]).name != codecs.lookup(charset[i]).name}
    assert wrong == {}
    kept = documents(tmp_path / "ingest_web" / "shards")
    assert {d.metadata["lang"] for d in kept} == {"ja"} and len(kept) >= 5
    assert "fixture.invalid/newspaper/chinese_article.html" not in {d.metadata["url"] for d in kept}


def test_common_crawl_sample_keeps_no_japanese(shared_data, tmp_path):
    report = run(tmp_path, [shared_data / "web" / "cc-main-2020-34_sample_non-ja.warc.gz"])
    assert report["documents"] == {"in": 16, "kept": 0, "excluded": 16}
    assert report["figures"]["warc_records"] == {"warcinfo": 1, "request": 17, "response": 16, "metadata": 16}
    by_step = Counter(report["excluded_by_step"])
    assert by_step["ja_precheck"] >= 14  # the cheap pre-check catches almost all, before extraction


def test_gzip_member_per_record_is_not_required(tmp_path):
    """A WARC compressed as one gzip stream (not one member per record) still reads."""
    data = gzip.decompress(demo_web.make(tmp_path / "in")[0].read_bytes())
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(data, mtime=0))
    report = run(tmp_path, [whole])
    assert report["documents"] == {"in": 10, "kept": 9, "excluded": 1}


def test_iso2022jp_page_labelled_utf8_is_kept_as_japanese(tmp_path):
    from benchmarks.evalsets import bad_inputs as bad

    warc = bad.iso2022_claimed_utf8_warc(tmp_path / "iso.warc.gz")
    report = run(tmp_path, [warc])
    assert report["documents"] == {"in": 1, "kept": 1, "excluded": 0}
    (doc,) = documents(tmp_path / "ingest_web" / "shards")
    assert doc.metadata["charset"] == "iso-2022-jp" and "\x1b" not in doc.text
    assert bad.JA_PARAGRAPH[:30] in doc.text


def test_news_snippet_without_title_or_lang_is_kept_through_language_id(shared_data, tmp_path):
    """The 478-character Shift_JIS news snippet (no <html lang>, <title> "Shift_JIS") was
    excluded as no_japanese_marker: the pre-check now lets lid.176 read its text."""
    report = run(tmp_path, [shared_data / "web" / "ja_fixture_pages_packed.warc.gz"])
    kept = documents(tmp_path / "ingest_web" / "shards")
    (snippet,) = [d for d in kept if "_chromium_Shift-JIS" in d.metadata["url"]]
    assert snippet.metadata["ja_marker"] == "langid" and snippet.metadata["charset"] == "shift_jis"
    assert snippet.text.startswith("衆院議院運営委員会は９日午後の理事会で") and len(snippet.text) > 470
    assert "no_japanese_marker" not in report["excluded_by_reason"]
    assert report["excluded_by_reason"]["no_kana"] == 1  # the Chinese article
