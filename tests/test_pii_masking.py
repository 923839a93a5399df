"""PIIMasker and PIIDensityFilter: placeholders, counts, stats, pickling, a real stage run."""

from __future__ import annotations

import pickle
from pathlib import Path

import pyarrow.parquet as pq
from datatrove.data import Document

from corpus.config import ExecutorConfig, Strict
from corpus.readers.exclusion import ExcludeMarked
from corpus.readers.path_list import PathListReader
from corpus.run.stage import DatatroveStage, StageContext, run_stage
from filters.pii.masking import PIIDensityFilter, PIIMasker, mask_text
from filters.pii.options import PIIOptions

CONTACT = "お問い合わせは03-1234-5678またはinfo@example.co.jpまでお願いします。"


def doc(text: str, **metadata) -> Document:
    return Document(text=text, id="t/1", metadata=dict(metadata))


def masked(step: PIIMasker, *docs: Document) -> list[Document]:
    return list(step.run(iter(docs)))


def test_masker_replaces_spans_with_typed_placeholders_and_counts_them():
    out, = masked(PIIMasker(), doc(CONTACT))
    assert out.text == "お問い合わせは<|PHONE|>または<|EMAIL|>までお願いします。"
    assert out.metadata["pii"] == {"PHONE": 1, "EMAIL": 1}
    assert out.metadata["figures"]["pii_density"] == (len("03-1234-5678") + len("info@example.co.jp")) / len(CONTACT)


def test_masker_adds_to_counts_an_earlier_step_left():
    out, = masked(PIIMasker(), doc("連絡先 info@example.co.jp", pii={"EMAIL": 2, "AWS_KEY": 1}))
    assert out.metadata["pii"] == {"EMAIL": 3, "AWS_KEY": 1}


def test_masker_counts_types_in_its_stats():
    step = PIIMasker()
    masked(step, doc(CONTACT), doc("メール a@example.jp と b@example.jp"), doc("何もない文章です。"))
    stats = step.stats.to_dict()["stats"]
    total = lambda key: stats[key]["total"] if isinstance(stats[key], dict) else stats[key]
    assert (total("pii_EMAIL"), total("pii_PHONE")) == (3, 1)
    assert (total("documents_masked"), total("documents_clean")) == (2, 1)


def test_masker_uses_the_configured_placeholder():
    out, = masked(PIIMasker(PIIOptions(placeholder="[{entity}]")), doc("TEL 090-1234-5678"))
    assert out.text == "TEL [PHONE]"


def test_disabled_masker_passes_documents_untouched():
    out, = masked(PIIMasker(PIIOptions(enabled=False)), doc(CONTACT))
    assert out.text == CONTACT and "pii" not in out.metadata


def test_masker_leaves_clean_text_and_metadata_alone():
    text = "2024年1月15日に12,800円で購入しました。"
    out, = masked(PIIMasker(), doc(text))
    assert out.text == text and "pii" not in out.metadata and "figures" not in out.metadata


def test_masker_pickles_before_and_after_building_its_engine():
    step = PIIMasker()
    clone = pickle.loads(pickle.dumps(step))
    masked(step, doc(CONTACT))  # builds the presidio engine
    assert step._detector is not None
    again = pickle.loads(pickle.dumps(step))
    assert again._detector is None
    assert masked(again, doc(CONTACT))[0].text == masked(clone, doc(CONTACT))[0].text


def test_mask_text_keeps_the_text_between_spans():
    from filters.pii.detector import PIISpan

    text, counts, chars = mask_text("a b c", [PIISpan(0, 1, "X", 1.0), PIISpan(4, 5, "X", 1.0)], PIIOptions())
    assert (text, counts, chars) == ("<|X|> b <|X|>", {"X": 2}, 2)


def test_density_filter_drops_dense_documents_with_reason_and_figure():
    dense = doc("a@example.jp b@example.jp", figures={"pii_density": 0.9})
    light = doc("本文", figures={"pii_density": 0.05})
    untouched = doc("本文")
    f = PIIDensityFilter(max_density=0.1)
    assert f.filter(dense) == (False, "pii_density")
    assert f.filter(light) is True
    assert f.filter(untouched) is True and untouched.metadata["figures"]["pii_density"] == 0.0


class LineDocs(PathListReader):
    name = "lines"

    def read_path(self, path):
        for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines()):
            yield Document(text=line, id=f"{path}:{i}", metadata={"source": "web"})


class NoOptions(Strict):
    pass


def test_masking_stage_runs_on_datatrove_executor_and_accounts_for_every_document(tmp_path):
    inputs = []
    for n in range(2):
        p = tmp_path / f"in{n}.txt"
        p.write_text(f"{CONTACT}\na@example.jp b@example.jp\n普通の文章です。\n", encoding="utf-8")
        inputs.append(str(p))

    def build(ctx):
        return [LineDocs(ctx.inputs), ExcludeMarked(exclusion_writer=ctx.exclusion_writer("reader")),
                PIIMasker(PIIOptions()), PIIDensityFilter(0.8, exclusion_writer=ctx.exclusion_writer("pii_density")),
                ctx.shard_writer()]

    stage = DatatroveStage(name="pii", options=NoOptions, reads="text", writes="shards", build=build)
    ctx = StageContext(name="pii", stage_dir=tmp_path / "out", inputs=inputs, options=NoOptions(),
                       executor=ExecutorConfig(tasks=2, workers=2), quiet=True)
    report = run_stage(stage, ctx)
    assert report["documents"] == {"in": 6, "kept": 4, "excluded": 2}
    assert report["excluded_by_reason"] == {"pii_density": 2}
    rows = [r for f in sorted((tmp_path / "out" / "shards").glob("*.parquet")) for r in pq.read_table(f).to_pylist()]
    texts = {r["text"] for r in rows}
    assert "お問い合わせは<|PHONE|>または<|EMAIL|>までお願いします。" in texts
    assert not any("03-1234-5678" in t or "@" in t for t in texts)
    pii = [dict(r["metadata"]["pii"]) for r in rows if r["metadata"]["pii"]]
    assert pii == [{"PHONE": 1, "EMAIL": 1}] * 2
