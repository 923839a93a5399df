"""How extraction is scored against gold texts: the tuning set and the evaluation set.

Japanese has no spaces, so word-level precision/recall (trafilatura's own evaluation) does
not apply; we compare multisets of character bigrams of the whitespace-free texts, which
rewards getting the right passages and penalises boilerplate, whatever the line breaks.
Used by tests/test_extraction_quality.py and benchmarks/web_extraction_eval.py.

Two gold sets, kept apart (docs/ingest_web.md, "Extraction quality"):

- tuning: the four Japanese gold files that came with ../shared/data/web/gold (newspaper's
  and readability's expected outputs). The extraction rules were developed on them.
- evaluation: pages of the packed fixture WARC that no rule was developed on, whose gold we
  wrote by reading each page (guideline in docs/ingest_web.md). Page text belongs to third
  parties and ../shared/data must not be copied into the repository, so the gold file
  (`EVAL_GOLD`, web_gold_eval.json beside this module) holds only anchors: each gold passage is named by its first and
  last few characters in the page's *visible text* (`visible_text`: every text node, one line
  per block element, nothing chosen or dropped), and the gold text is rebuilt from the page
  at scoring time. The human choice, which passages are the page's own content, is all in
  the anchors.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from filters.web.charset import decode_body
from filters.web.feed_text import is_feed
from filters.web.http_payload import media_type

_SPACE = re.compile(r"\s+")
EVAL_GOLD = Path(__file__).resolve().parent / "web_gold_eval.json"

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


# -- the evaluation set: gold passages as anchors over the page's visible text ---------------

# elements whose text is never shown; everything else is rendered. Ruby readings (<rt>, <rp>)
# are shown above their base text, not in the line, so a linear rendering leaves them out.
_HIDDEN = {"script", "style", "noscript", "template", "head", "title", "iframe", "object", "select", "option", "rt", "rp"}
# elements that start a new line when rendered (HTML's block-level and table elements)
_BLOCK = {
    "address", "article", "aside", "blockquote", "body", "br", "center", "dd", "details", "dialog", "dir", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "frame", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hgroup", "hr", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "ul", "caption", "legend", "option",
}
_LOOKS_LIKE_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^<>]*>")


def _render(node, out: list[str]) -> None:
    tag = node.tag if isinstance(node.tag, str) else ""
    local = tag.rsplit("}", 1)[-1].lower()
    if tag and local not in _HIDDEN:
        block = local in _BLOCK
        if block:
            out.append("\n")
        if node.text:
            out.append(node.text)
        for child in node:
            _render(child, out)
        if block:
            out.append("\n")
    if node.tail:
        out.append(node.tail)


def _lines(text: str) -> str:
    """One line per non-blank line, whitespace runs (ideographic space included) folded to one space."""
    return "\n".join(line for line in (_SPACE.sub(" ", raw).strip() for raw in text.splitlines()) if line)


def html_visible_text(page: str) -> str:
    """Every text node of an HTML page outside script/style/head, one line per block element.

    This is a rendering, not an extraction: nothing is chosen or dropped, so gold anchored
    on it does not depend on any extractor's idea of content."""
    import lxml.html

    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    root = lxml.html.document_fromstring(page.encode("utf-8", "surrogatepass"), parser=parser)
    out: list[str] = []
    _render(root, out)
    return _lines("".join(out))


def feed_visible_text(feed: str) -> str:
    """Every text node of an RSS/RDF/Atom document, one line per element; text that is
    escaped HTML (item descriptions) is rendered as HTML. Attribute values (links) are not text."""
    import lxml.etree

    parser = lxml.etree.XMLParser(recover=True, huge_tree=True, remove_comments=True, resolve_entities=False)
    body = re.sub(r"^\s*<\?xml[^>]*\?>", "", feed)  # the declaration names the original bytes' encoding
    root = lxml.etree.fromstring(body.encode("utf-8", "surrogatepass"), parser=parser)
    lines: list[str] = []
    for node in root.iter():
        for text in (node.text, node.tail):
            if not text or not text.strip():
                continue
            lines.append(html_visible_text(f"<body>{text}</body>") if _LOOKS_LIKE_MARKUP.search(text) else _lines(text))
    return "\n".join(line for line in lines if line)


def visible_text(page: str) -> str:
    """The rendering gold anchors refer to: `feed_visible_text` for feeds, else `html_visible_text`."""
    return feed_visible_text(page) if is_feed(page) else html_visible_text(page)


class AnchorError(ValueError):
    """A gold anchor that is not found in the page's visible text (a typo, or another page)."""


def gold_from_anchors(rendered: str, passages: list[list[str]]) -> str:
    """The gold text: for each [first, last] pair, the visible text from the first occurrence of
    `first` (after the previous passage) to the end of the next occurrence of `last`; passages
    joined by newlines. A one-element pair [text] is a passage that is exactly that text."""
    out, pos = [], 0
    for passage in passages:
        first, last = passage[0], passage[-1]
        start = rendered.find(first, pos)
        if start < 0:
            raise AnchorError(f"start anchor not found after offset {pos}: {first!r}")
        end = rendered.find(last, start + (len(first) - len(last) if len(passage) == 1 else 0))
        if end < 0:
            raise AnchorError(f"end anchor not found after {first!r}: {last!r}")
        end += len(last)
        out.append(rendered[start:end])
        pos = end
    return "\n".join(out)


@dataclass(frozen=True, slots=True)
class EvalPage:
    name: str  # the fixture source's file name
    kind: str  # html | feed
    content_type: str
    page: str  # decoded page as the WARC reader decodes it
    gold: str  # rebuilt from the anchors


def load_records(web_dir: Path) -> dict[str, tuple[str, str, bytes]]:
    """WARC-X-Fixture-Source -> (media type, decoded text, raw body) of every response in the packed WARC."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    records = {}
    for record in ArchiveIterator(str(web_dir / "ja_fixture_pages_packed.warc.gz"),
                                  record_types=WarcRecordType.response, parse_http=True):
        content_type = record.http_headers.get("Content-Type") or ""
        raw = record.reader.read()
        records[record.headers.get("WARC-X-Fixture-Source", "")] = (media_type(content_type), decode_body(raw, content_type).text, raw)
    return records


def load_eval(web_dir: Path, gold_file: Path) -> list[EvalPage]:
    """The evaluation pages with their gold text rebuilt from `gold_file`'s anchors."""
    import json

    spec = json.loads(gold_file.read_text(encoding="utf-8"))
    records = load_records(web_dir)
    out = []
    for entry in spec["pages"]:
        (content_type, page, _raw), = [v for k, v in records.items() if k.endswith(entry["source"])]
        gold = gold_from_anchors(visible_text(page), entry["passages"])
        out.append(EvalPage(entry["source"].rsplit("/", 1)[-1], entry["kind"], content_type, page, gold))
    return out
