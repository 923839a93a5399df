"""The filter stage end to end: shards in, cleaned/filtered/masked/licensed shards out, figures in the report."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datatrove.data import Document

from corpus.config import ExecutorConfig
from corpus.formats.schema import SCHEMA, document_to_row, row_to_document
from corpus.run.stage import StageContext, run_stage
from pipelines.filter import STAGE, Options


def write_shard(path: Path, docs: list[Document]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist([document_to_row(d) for d in docs], schema=SCHEMA), path)
    return str(path)


def read_docs(folder: Path) -> list[Document]:
    docs = []
    for path in sorted(folder.glob("*.parquet")):
        docs += [row_to_document(r) for r in pq.read_table(path).to_pylist()]
    return docs


@pytest.fixture(scope="module")
def leads(shared_data) -> list[str]:
    return [json.loads(line)["text"] for line in (shared_data / "text" / "kwdlc_web_leads.jsonl").open(encoding="utf-8")]


@pytest.fixture(scope="module")
def run(tmp_path_factory, leads):
    """One run of the stage on web shards (4 good pages, 3 bad) and wiki+code shards in another folder."""
    tmp = tmp_path_factory.mktemp("filter")
    good = ["\n".join(leads[i : i + 10]) for i in (0, 40, 80, 120)]
    good[0] += "\n連絡先: taro.yamada@example.co.jp までどうぞ。"
    good[1] += "\n\nページの先頭へ\nCopyright © 2024 Example. All rights reserved."
    body = leads[200:210]
    bad = {
        "web/repeat": "\n".join(body[:6] + [body[3]] * 20 + body[6:]),
        "web/ellipsis": "\n".join(body) + "\n" + "\n".join(f"{t}の意外な真実とは…" for t in "春夏秋冬朝昼夜東西南北空"),
        "web/katakana": "\n".join(f"{p}・{q}・セール" for p in ("オーガニックタオル", "ステンレスボトル", "ワイヤレスイヤホン",
                                                                 "スマートウォッチ", "モバイルバッテリー", "アロマディフューザー")
                                  for q in ("ブラック", "ホワイト", "シルバー", "ゴールド", "ネイビー", "レッド")),
    }
    web = [Document(text=t, id=f"web/good{i}", metadata={"source": "web", "url": f"https://example.jp/{i}", "dataset": "demo_web"})
           for i, t in enumerate(good)]
    web += [Document(text=t, id=i, metadata={"source": "web", "url": "https://example.jp/x", "dataset": "demo_web"})
            for i, t in bad.items()]
    other = [
        Document(text="短い記事。問い合わせは wiki@example.org へ。", id="wiki/1",
                 metadata={"source": "wiki", "licence": "CC-BY-SA-4.0", "dataset": "demo_wiki"}),
        Document(text="def f():\n    return 1\n", id="code/mit", metadata={"source": "code", "licence": "MIT", "path": "a.py"}),
        Document(text="int main() { return 0; }\n", id="code/gpl", metadata={"source": "code", "licence": "GPL-3.0-only", "path": "b.c"}),
    ]
    inputs = [write_shard(tmp / "ingest_web" / "shards" / "00000.parquet", web),
              write_shard(tmp / "ingest_other" / "shards" / "00000.parquet", other)]
    ctx = StageContext(name="filter", stage_dir=tmp / "filter", inputs=inputs, options=Options(),
                       executor=ExecutorConfig(tasks=2, workers=1), quiet=True)
    report = run_stage(STAGE, ctx)
    return report, tmp / "filter"


def test_every_document_is_kept_or_excluded(run):
    report, _ = run
    assert report["documents"] == {"in": 10, "kept": 6, "excluded": 4}


def test_good_pages_pass_and_bad_pages_are_excluded_by_the_right_rule(run):
    _, out = run
    kept = {d.id for d in read_docs(out / "shards")}
    assert {"web/good0", "web/good1", "web/good2", "web/good3"} <= kept
    excluded = {d.id: d.metadata for d in read_docs(out / "excluded")}
    assert excluded["web/repeat"]["reason"] == "max_dup_paragraph_frac"
    assert excluded["web/repeat"]["excluded_by"] == "repetition"
    assert excluded["web/ellipsis"]["reason"] == "max_ellipsis_sentence_frac"
    assert excluded["web/katakana"]["reason"] == "max_katakana_fraction"
    assert excluded["web/katakana"]["figures"]["katakana_fraction"] > 0.9


def test_each_family_writes_its_own_excluded_files(run):
    _, out = run
    names = {p.name.rsplit("_", 1)[0] for p in (out / "excluded").glob("*.parquet")}
    assert {"repetition", "sentences", "char_ratios", "licence"} <= names


def test_wiki_and_code_skip_the_quality_rules_but_not_pii_or_licence(run):
    report, out = run
    kept = {d.id: d for d in read_docs(out / "shards")}
    assert "wiki/1" in kept and "code/mit" in kept  # far too short for the web rules
    assert "<|EMAIL|>" in kept["wiki/1"].text and "wiki@example.org" not in kept["wiki/1"].text
    assert "figures" not in kept["code/mit"].metadata or "letters" not in kept["code/mit"].metadata["figures"]
    assert report["excluded_by_reason"]["licence_not_allowed"] == 1
    assert report["figures"]["licence_rejected"] == {"GPL-3.0-only": 1}


def test_web_text_is_cleaned_and_masked(run):
    _, out = run
    kept = {d.id: d for d in read_docs(out / "shards")}
    assert "<|EMAIL|>" in kept["web/good0"].text
    assert "Copyright" not in kept["web/good1"].text and "ページの先頭へ" not in kept["web/good1"].text
    assert "１" not in kept["web/good2"].text + kept["web/good3"].text  # NFKC made digits half-width


def test_kept_web_pages_carry_every_rule_figure(run):
    _, out = run
    page = next(d for d in read_docs(out / "shards") if d.id == "web/good2")
    assert {"letters", "prose_hiragana_fraction", "prose_frac", "prose_avg_sentence_length", "prose_dup_10gram_frac",
            "compression_ratio"} <= set(page.metadata["figures"])


def test_report_has_per_rule_counts_and_histograms_for_tuning(run):
    report, _ = run
    quality = report["figures"]["quality"]
    rules = {r["rule"]: r for r in quality["rules"]}
    assert quality["documents_measured"] == 7  # the web pages
    assert rules["max_dup_paragraph_frac"]["removed"] == 1
    assert rules["max_katakana_fraction"]["removed"] == 1
    assert rules["min_letters"]["threshold"] == 200 and rules["min_letters"]["drop_if"] == "below"
    hist = rules["min_hiragana_fraction"]["histogram"]
    assert sum(hist["counts"]) == 7 and len(hist["edges"]) == len(hist["counts"]) + 1
    assert hist["edges"][0] <= 0.0 and hist["edges"][-1] >= 0.2  # the threshold is inside the range
    # a rule can remove fewer than it would alone: the katakana page also fails the hiragana rule
    assert rules["min_hiragana_fraction"]["would_remove_alone"] >= 1 and rules["min_hiragana_fraction"]["removed"] == 0
    assert sum(r["removed"] for r in quality["rules"]) == quality["removed"] == 3
    # figure -> threshold, for the HTML report's charts of metadata.figures
    assert report["figures"]["thresholds"]["katakana_fraction"] == 0.5
    assert report["figures"]["quality_removed"] == 3


def test_document_over_the_size_cap_is_excluded_before_any_rule():
    from filters.quality.document_size import DocumentSizeFilter

    step = DocumentSizeFilter(max_chars=10)
    big = Document(text="あ" * 11, id="web/big", metadata={"source": "web"})
    assert step.filter(big) == (False, "document_too_large")
    assert big.metadata["figures"]["characters"] == 11.0
    assert step.filter(Document(text="あ" * 10, id="web/ok", metadata={})) is True


def test_explain_gives_every_figure_and_the_deciding_rule_for_kept_and_excluded_pages(run):
    from filters.quality.explain import explain

    _, out = run
    excluded = explain(out, "web/repeat")
    assert excluded["decision"] == "excluded" and excluded["reason"] == "max_dup_paragraph_frac"
    rules = {r["rule"]: r for r in excluded["rules"]}
    assert rules["max_dup_paragraph_frac"]["fires"] is True and rules["max_dup_paragraph_frac"]["value"] > 0.3
    assert all(r["value"] is not None for r in excluded["rules"])  # every rule measured, the deciding one marked
    kept = explain(out, "web/good1")
    assert kept["decision"] == "kept" and not any(r["fires"] for r in kept["rules"])
    assert kept["cleanup"]["boilerplate_chars_removed"] > 0  # the footer it lost


def test_inspect_explain_prints_the_table(run, capsys):
    from corpus.cli import main

    _, out = run
    assert main(["inspect", str(out), "--explain", "web/ellipsis"]) == 0
    printed = capsys.readouterr().out
    assert "excluded by sentences: max_ellipsis_sentence_frac" in printed and "<- decided" in printed
