"""Excluded shards are masked too: what the quality rules drop leaves the run without its PII."""

from __future__ import annotations

import dill
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datatrove.data import Document

from corpus.config import ExecutorConfig
from corpus.formats.schema import SCHEMA, document_to_row, row_to_document
from corpus.run.stage import StageContext, run_stage
from filters.pii.detector import PIIDetector
from filters.pii.masking import MaskingExclusionWriter, mask_document
from filters.pii.options import PIIOptions
from pipelines.filter import STAGE, Options

CONTACT = "連絡先 taro.yamada@example.co.jp 電話 03-5412-7780"
# a page every default quality rule rejects (one line repeated), carrying contact details
REPEATED = "\n".join(["セール開催中！今すぐチェック"] * 30 + [CONTACT])


def _run(tmp: Path, **pii) -> tuple[dict, list[Document]]:
    docs = [Document(text=REPEATED, id="web/bad", metadata={"source": "web", "url": "https://example.jp/a"})]
    shard = tmp / "in" / "00000.parquet"
    shard.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist([document_to_row(d) for d in docs], schema=SCHEMA), shard)
    ctx = StageContext(name="filter", stage_dir=tmp / "filter", inputs=[str(shard)], options=Options(pii=PIIOptions(**pii)),
                       executor=ExecutorConfig(tasks=1, workers=1), quiet=True)
    report = run_stage(STAGE, ctx)
    excluded = [row_to_document(r) for p in sorted((tmp / "filter" / "excluded").glob("*.parquet"))
                for r in pq.read_table(p).to_pylist()]
    return report, excluded


def test_documents_excluded_before_masking_are_written_masked(tmp_path):
    report, excluded = _run(tmp_path)
    assert report["documents"]["excluded"] == 1
    doc, = excluded
    assert "taro.yamada@example.co.jp" not in doc.text and "03-5412-7780" not in doc.text
    assert "連絡先 <|EMAIL|> 電話 <|PHONE|>" in doc.text
    assert doc.metadata["pii"] == {"EMAIL": 1, "PHONE": 1}
    assert report["figures"]["pii_excluded"] == "masked"


def test_the_switch_keeps_excluded_documents_raw_and_the_report_says_so(tmp_path):
    report, excluded = _run(tmp_path, mask_excluded=False)
    assert CONTACT in excluded[0].text
    assert report["figures"]["pii_excluded"] == "unmasked"


def test_masking_writer_pickles_without_its_engine(tmp_path):
    # dill, as datatrove's executors ship steps (a writer's bound adapter defeats plain pickle)
    writer = MaskingExclusionWriter(str(tmp_path), "quality")
    writer._detector = PIIDetector()
    assert dill.loads(dill.dumps(writer))._detector is None


@pytest.mark.parametrize("chunk", [7, 40, 1000])
def test_long_excluded_text_is_masked_in_pieces_cut_at_line_breaks(chunk):
    text = "\n".join(f"{i}行目 {CONTACT}" for i in range(20))
    doc = Document(text=text, id="x")
    counts = mask_document(doc, PIIDetector(), PIIOptions(), chunk_chars=max(chunk, len(CONTACT) + 8))
    assert counts == {"EMAIL": 20, "PHONE": 20} and "@" not in doc.text
