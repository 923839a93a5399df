"""The labelled quality set: real Japanese documents from ../shared/data, rebuilt by id.

`quality_labels.jsonl` (beside this module) holds one line per document: its id, its split, the
label a person gave it after reading it (`clean`: worth pre-training on; `junk`: should
be excluded) and the reason, each split's labels written before any filter ran on it
(guideline and splits: docs/filter.md, "Measured on labelled real text"; `test` is the
held-out one). This module turns an id back into the document's text, so nothing of the
data is copied into the repository.

Ids by source:
- `feed:<fixture path>`: an RSS/Atom feed of the fixture WARC as a generic scraper sees it
  (titles and bodies, `web_fixture_pages.feed_text`)
- `page:<fixture path>`: an HTML page (the project's extractor) or a plain-text file of the
  fixture WARC, decoded with its recorded charset, CR line ends made LF
- `wiki:<page id>`: a jawiki article as `jacorpus ingest wiki` writes it (the dump slice)
- `wikipage:<page id>`: a page of the same slice that is not an article (project, help and
  disambiguation pages: logs, indexes, policies, link lists), as `jacorpus ingest wiki` writes
  it with namespaces 4, 12 and 102 kept and disambiguation pages not dropped
- `aozora:tsumi:<start>`: 3,000 characters of 罪と罰 (Aozora text with its markup) from
  line-aligned offset <start>; `aozora:tsumi:colophon`: the last 3,000 characters
- `cc:<target uri>`: a page of the non-Japanese Common Crawl sample (the project's extractor)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from benchmarks.evalsets.web_fixture_pages import fixture_pages

LABELS = Path(__file__).with_name("quality_labels.jsonl")


def load_labels(path: Path = LABELS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# the non-article pages of the slice: project (4), help (12) and WikiProject (102) pages, and
# disambiguation pages, which ingest drops by default
NON_ARTICLE_OPTIONS = ("--set", "namespaces=[0,4,12,102]", "--set", "drop_disambiguation=false")


@lru_cache(maxsize=2)
def _wiki_articles(dump: Path, options: tuple[str, ...] = ()) -> dict[str, str]:
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, "-m", "corpus.cli", "ingest", "wiki", "-i", str(dump), "-o", out, "-q", *options],
                       check=True, capture_output=True, cwd=Path(__file__).resolve().parents[2])
        articles = {}
        for shard in sorted(Path(out, "shards").glob("*.parquet")):
            for row in pq.read_table(shard, columns=["id", "text"]).to_pylist():
                articles[row["id"].rsplit("/", 1)[-1]] = row["text"]
    return articles


def _wiki_pages(dump: Path) -> dict[str, str]:
    """The slice's pages that are not articles (ids absent from the default ingest)."""
    articles = _wiki_articles(dump)
    return {k: t for k, t in _wiki_articles(dump, NON_ARTICLE_OPTIONS).items() if k not in articles}


def _cc_pages(warc: Path) -> dict[str, str]:
    from warcio.archiveiterator import ArchiveIterator

    from filters.web.extraction import extract_text

    pages = {}
    with open(warc, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                uri = record.rec_headers.get_header("WARC-Target-URI")
                pages[uri] = extract_text(record.content_stream().read().decode("utf-8", errors="replace"))
    return pages


def _tsumi(text: str, key: str) -> str:
    if key == "colophon":
        return text[-3000:]
    start = int(key)
    return text[start: start + 3000]


def tsumi_starts(text: str, first: int, count: int, step: int) -> list[int]:
    """Line-aligned offsets `first`, `first + step`, ... (the chunk ids of the set)."""
    starts = []
    for at in range(first, first + count * step, step):
        starts.append(text.index("\n", at) + 1)
    return starts


def document(shared_data: Path, doc_id: str) -> str:
    """The text of one labelled document, rebuilt from ../shared/data."""
    kind, key = doc_id.split(":", 1)
    if kind in ("feed", "page"):
        pages = fixture_pages(shared_data / "web" / "ja_fixture_pages_packed.warc.gz")
        (text,) = [text for source, (_, text) in pages.items() if source.endswith(":" + key)]
        return text.replace("\r\n", "\n").replace("\r", "\n")
    if kind == "wiki":
        return _wiki_articles(shared_data / "wiki" / "jawiki_pages-articles_first262pages_2022.xml.bz2")[key]
    if kind == "wikipage":
        return _wiki_pages(shared_data / "wiki" / "jawiki_pages-articles_first262pages_2022.xml.bz2")[key]
    if kind == "aozora":
        book, part = key.split(":", 1)
        assert book == "tsumi"
        return _tsumi((shared_data / "text" / "aozora_56656_tsumi-to-batsu_yonekawa.utf8.txt").read_text(encoding="utf-8"), part)
    if kind == "cc":
        return _cc_pages(shared_data / "web" / "cc-main-2020-34_sample_non-ja.warc.gz")[key]
    raise KeyError(doc_id)


def labelled_documents(shared_data: Path, split: str | None = None) -> list[dict]:
    """Each label row with its `text` added; only `split` ("tune", "dev", "dev2" or "test") when given."""
    rows = [row for row in load_labels() if split is None or row["split"] == split]
    return [{**row, "text": document(shared_data, row["id"])} for row in rows]
