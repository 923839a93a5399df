"""The ingest_wiki stage end to end: every <page> kept or excluded with a reason."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pydantic
import pytest

from corpus.config import ExecutorConfig
from corpus.sources.manifest import Source
from corpus.formats.schema import row_to_document
from corpus.run.stage import StageContext, run_stage
from data_manifests.demo import wiki as demo
from pipelines.ingest_wiki import STAGE, Options

REAL = "wiki/jawiki_pages-articles_first262pages_2022.xml.bz2"


def run(tmp_path: Path, inputs: list, out: str = "out", tasks: int = 1, sources=(), **options) -> dict:
    ctx = StageContext(
        name="ingest_wiki", stage_dir=tmp_path / out, inputs=[str(p) for p in inputs],
        options=Options(**options), executor=ExecutorConfig(tasks=tasks, workers=tasks),
        sources=list(sources), quiet=True,
    )
    return run_stage(STAGE, ctx)


def documents(folder: Path) -> list:
    return [row_to_document(row) for path in sorted(folder.glob("*.parquet")) for row in pq.read_table(path).to_pylist()]


@pytest.fixture
def demo_files(tmp_path) -> list[Path]:
    return demo.make(tmp_path / "demo")


def test_demo_dump_every_page_is_kept_or_excluded_with_a_reason(tmp_path, demo_files):
    report = run(tmp_path, demo_files)
    assert report["documents"] == {"in": 7, "kept": 3, "excluded": 4}
    assert report["excluded_by_reason"] == {"redirect": 1, "namespace:10": 1, "disambiguation": 1, "too_short": 1}
    assert report["figures"]["pages"] == 7 and report["figures"]["articles"] == 3


def test_demo_articles_carry_attribution_and_clean_text(tmp_path, demo_files):
    source = Source(name="demo_wiki", kind="wiki", paths=["demo"])
    run(tmp_path, demo_files, sources=[(source, [str(p) for p in demo_files])])
    kept = {d.id: d for d in documents(tmp_path / "out" / "shards")}
    assert sorted(kept) == ["wiki/jawiki/1001", "wiki/jawiki/1002", "wiki/jawiki/1003"]
    furoshiki = kept["wiki/jawiki/1001"]
    meta = furoshiki.metadata
    assert meta["source"] == "wiki" and meta["dataset"] == "demo_wiki" and meta["title"] == "風呂敷"
    assert meta["url"] == "https://ja.wikipedia.org/wiki/風呂敷"
    assert meta["date"] == "2024-03-02T09:15:00Z"
    assert meta["licence"] == "CC-BY-SA-4.0" and "https://ja.wikipedia.org/wiki/風呂敷" in meta["licence_evidence"]
    assert "GFDL" in meta["licence_evidence"]
    assert (meta["page_id"], meta["revision_id"]) == (1001, 50001)
    assert furoshiki.text.startswith("風呂敷（ふろしき）は、物を包んで持ち運ぶために使う")
    assert len(furoshiki.text) >= 800
    for residue in ("{{", "[[", "<ref", "Category", "ファイル", "脚注", "袱紗"):
        assert residue not in furoshiki.text, residue
    assert "季語（きご）" in kept["wiki/jawiki/1003"].text and "5+7+5=17" in kept["wiki/jawiki/1003"].text


def test_excluded_pages_keep_their_raw_text_and_reason(tmp_path, demo_files):
    run(tmp_path, demo_files)
    excluded = {d.id: d for d in documents(tmp_path / "out" / "excluded")}
    assert excluded["wiki/jawiki/1005"].metadata["reason"] == "redirect"
    assert excluded["wiki/jawiki/1005"].text == "#転送 [[風呂敷]]\n"
    assert excluded["wiki/jawiki/1006"].metadata["reason"] == "namespace:10"
    assert excluded["wiki/jawiki/1004"].metadata["reason"] == "too_short"


def test_multistream_dump_split_across_tasks_gives_the_same_documents(tmp_path, demo_files):
    dump = demo_files[0]
    one = run(tmp_path, [dump], out="one", use_multistream_index=False)
    three = run(tmp_path, demo_files, out="three", tasks=3)
    assert three["steps"]["📖 - READER: 📖 wiki dump"]["input_ranges"] == 2  # 3 ranges: 1 from 0, 2 mid-file
    assert one["documents"] == three["documents"]
    pairs = lambda name: sorted((d.id, d.text) for d in documents(tmp_path / name / "shards"))
    assert pairs("one") == pairs("three")
    assert len(list((tmp_path / "three" / "shards").glob("*.parquet"))) == 3


def test_dump_cut_mid_page_yields_complete_pages_then_truncated_dump(tmp_path):
    xml = (demo.HEADER + "".join(demo.page_xml(*p) for p in demo.PAGES) + demo.FOOTER).encode()
    cut = xml.find(b"<page>", xml.find("味噌汁".encode())) + 200  # inside the third page
    path = tmp_path / "cut-pages-articles.xml"
    path.write_bytes(xml[:cut])
    report = run(tmp_path, [path])
    assert report["documents"] == {"in": 3, "kept": 2, "excluded": 1}
    assert report["excluded_by_reason"] == {"truncated_dump": 1}
    assert {d.id for d in documents(tmp_path / "out" / "shards")} == {"wiki/jawiki/1001", "wiki/jawiki/1002"}
    partial = documents(tmp_path / "out" / "excluded")[0]
    assert partial.id == "wiki/jawiki/1003" and partial.text.startswith("<page>\n    <title>俳句</title>")


def test_bz2_cut_mid_stream_keeps_the_pages_of_complete_streams(tmp_path):
    from filters.wiki.dump_files import read_stream_offsets

    dump, index = tmp_path / "x-multistream.xml.bz2", tmp_path / "x-multistream-index.txt.bz2"
    demo.write_multistream(demo.PAGES, dump, index, pages_per_stream=1)
    third, fourth = read_stream_offsets(str(index))[2:4]
    path = tmp_path / "cut.xml.bz2"  # no index: read as one file, as a plain .bz2 dump is
    path.write_bytes(dump.read_bytes()[: (third + fourth) // 2])
    report = run(tmp_path, [path])
    assert report["documents"] == {"in": 3, "kept": 2, "excluded": 1}
    assert report["excluded_by_reason"] == {"truncated_dump": 1}
    assert {d.id for d in documents(tmp_path / "out" / "shards")} == {"wiki/jawiki/1001", "wiki/jawiki/1002"}


def test_invalid_xml_page_is_counted_and_later_pages_are_kept(tmp_path):
    pages = [demo.page_xml(*p) for p in demo.PAGES[:3]]
    pages[1] = pages[1].replace("</title>", "</titel>")
    path = tmp_path / "bad.xml"
    path.write_text(demo.HEADER + "".join(pages) + demo.FOOTER, encoding="utf-8")
    report = run(tmp_path, [path])
    assert report["documents"] == {"in": 3, "kept": 2, "excluded": 1}
    assert report["excluded_by_reason"] == {"invalid_xml": 1}
    bad = documents(tmp_path / "out" / "excluded")[0]
    assert bad.id == "wiki/jawiki/1002" and "</titel>" in bad.text


def test_file_that_is_not_a_dump_is_one_counted_document(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("これはダンプではない。\n", encoding="utf-8")
    report = run(tmp_path, [path])
    assert report["documents"] == {"in": 1, "kept": 0, "excluded": 1}
    assert report["excluded_by_reason"] == {"not_a_mediawiki_dump": 1}


def test_options_reject_unknown_keys():
    with pytest.raises(pydantic.ValidationError):
        Options(min_char=10)


@pytest.fixture(scope="module")
def real_run(tmp_path_factory, shared_data):
    out = tmp_path_factory.mktemp("real")
    return run(out, [shared_data / REAL]), out


def test_real_truncated_slice_yields_every_page_and_counts_the_truncation(real_run):
    report, _ = real_run
    assert report["documents"] == {"in": 263, "kept": 198, "excluded": 65}
    assert report["excluded_by_reason"] == {
        "namespace:4": 36, "redirect": 19, "disambiguation": 6, "namespace:12": 2, "namespace:102": 1,
        "truncated_dump": 1,
    }


def test_real_articles_come_out_as_prose(real_run):
    _, out = real_run
    kept = {d.metadata["title"]: d for d in documents(out / "out" / "shards")}
    amp = kept["アンパサンド"]
    assert amp.id == "wiki/jawiki/5" and amp.metadata["revision_id"] == 89167474
    assert amp.metadata["url"] == "https://ja.wikipedia.org/wiki/アンパサンド"
    assert amp.metadata["date"] == "2022-04-23T02:25:36Z" and amp.metadata["dataset"] == "jawiki"
    assert amp.text.startswith("アンパサンド（&, ampersand）は、並立助詞「…と…」を意味する記号である。")
    with_residue = [t for t, d in kept.items() if any(m in d.text for m in ("{{", "}}", "[[", "]]", "<ref", "{|"))]
    assert with_residue == []


def test_real_ids_carry_dbname_and_page_id_and_are_unique(real_run):
    _, out = real_run
    docs = documents(out / "out" / "shards") + documents(out / "out" / "excluded")
    ids = [d.id for d in docs]
    assert len(ids) == len(set(ids)) == 263
    kept = documents(out / "out" / "shards")
    assert all(d.id == f"wiki/jawiki/{d.metadata['page_id']}" for d in kept)


def test_real_report_counts_what_text_rendering_kept_and_dropped(real_run):
    report, out = real_run
    text = report["figures"]["text"]
    assert text["values_rendered"] > 400 and text["values_unknown"] > 100
    assert text["sentences_dropped"] + text["clauses_dropped"] + text["brackets_dropped"] > 80
    assert text["table_rows_kept"] > 400 and text["table_rows_dropped"] > 2000  # rows of list articles only
    assert text["list_items_kept"] > 20_000 and text["list_items_dropped"] == 0
    assert text["navigation_dropped"] > 10 and text["art_blocks_dropped"] == 2
    kept = {d.metadata["title"]: d for d in documents(out / "out" / "shards")}
    figures = kept["兵庫県"].metadata["figures"]
    assert figures["sentences_dropped"] >= 9 and figures["values_unknown"] >= 10


def test_per_source_options_switch_tables_for_one_source(tmp_path, shared_data):
    source = Source(name="jawiki_rows", kind="wiki", paths=["x"])
    dump = str(shared_data / REAL)
    report = run(tmp_path, [dump], sources=[(source, [dump])], limit=40,
                 per_source={"jawiki_rows": {"tables": "text", "lists": "drop"}})
    text = report["figures"]["text"]
    assert text["tables_dropped"] == 0 and text["table_rows_kept"] > 0
    assert text["list_items_kept"] == 0 and text["list_items_dropped"] > 0


def test_options_defaults_are_the_steps_own_defaults():
    """The stage's options and the steps they configure agree on every default, so a step
    built without the stage (tests, benchmarks) renders text as the stage does."""
    import dataclasses

    from filters.wiki.markup_guard import MarkupBudget
    from filters.wiki.page_filters import MinLengthFilter, NamespaceFilter
    from filters.wiki.wikitext import WikitextOptions
    from pipelines.ingest_wiki import Options

    o = Options()
    text = WikitextOptions()
    for f in dataclasses.fields(WikitextOptions):
        if not f.name.startswith("_"):
            assert getattr(o, f.name) == (list(getattr(text, f.name)) if f.name == "drop_sections"
                                          else getattr(text, f.name)), f.name
    assert MinLengthFilter().min_chars == o.min_chars
    assert NamespaceFilter().namespaces == frozenset(o.namespaces)
    budget = MarkupBudget()
    assert (budget.max_wikitext_bytes, budget.max_unclosed, budget.max_parse_seconds) == (
        o.max_wikitext_bytes, o.max_unclosed_markup, o.max_parse_seconds)
