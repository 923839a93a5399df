"""How extraction is scored against the gold files in ../shared/data/web/gold.

Japanese has no spaces, so word-level precision/recall (trafilatura's own evaluation) does
not apply; we compare multisets of character bigrams of the whitespace-free texts, which
rewards getting the right passages and penalises boilerplate, whatever the line breaks.
Used by tests/test_extraction_quality.py and benchmarks/ingest_web.py.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from filters.web.charset import decode_body

_SPACE = re.compile(r"\s+")

# gold file -> (WARC-X-Fixture-Source suffix of the page in ja_fixture_pages_packed.warc.gz, language)
GOLD_PAGES = {
    "newspaper_japanese_article.expected.txt": ("tests/data/html/japanese_article.html", "ja"),
    "newspaper_japanese_article2.expected.txt": ("tests/data/html/japanese_article2.html", "ja"),
    "readability_hukumusume.expected.html": ("test/test-pages/hukumusume/source.html", "ja"),
    "readability_yahoo-4.expected.html": ("test/test-pages/yahoo-4/source.html", "ja"),
    "newspaper_chinese_article.expected.txt": ("tests/data/html/chinese_article.html", "zh"),
}


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float
    f1: float


def _bigrams(text: str) -> Counter:
    s = _SPACE.sub("", text or "")
    return Counter(s[i:i + 2] for i in range(len(s) - 1))


def bigram_f1(predicted: str | None, gold: str) -> Score:
    """Character-bigram precision, recall and F1 of an extraction against a gold text."""
    p, g = _bigrams(predicted or ""), _bigrams(gold)
    overlap = sum((p & g).values())
    precision = overlap / max(1, sum(p.values()))
    recall = overlap / max(1, sum(g.values()))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(precision, recall, f1)


def gold_text(path: Path) -> str:
    """The text of a gold file (readability's are HTML: their text content)."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        import lxml.html

        return lxml.html.fromstring(raw).text_content()
    return raw


def load_pages(web_dir: Path) -> dict[str, str]:
    """WARC-X-Fixture-Source -> decoded HTML of every text/html page in the packed fixture WARC."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    pages = {}
    for record in ArchiveIterator(str(web_dir / "ja_fixture_pages_packed.warc.gz"),
                                  record_types=WarcRecordType.response, parse_http=True):
        content_type = record.http_headers.get("Content-Type") or ""
        if content_type.startswith("text/html"):
            pages[record.headers.get("WARC-X-Fixture-Source", "")] = decode_body(record.reader.read(), content_type).text
    return pages


def load_gold(web_dir: Path) -> list[tuple[str, str, str, str]]:
    """(gold name, language, page HTML, gold text) for each gold file, pages read from the packed WARC."""
    pages = load_pages(web_dir)
    out = []
    for name, (suffix, lang) in GOLD_PAGES.items():
        page = next(html for source, html in pages.items() if source.endswith(suffix))
        out.append((name, lang, page, gold_text(web_dir / "gold" / name)))
    return out
