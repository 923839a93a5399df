"""A cheap "could this page be Japanese?" test that runs before text extraction.

Extraction is the most expensive step of web ingest, and on a Common Crawl segment about
95% of pages are not Japanese. The Swallow corpus (Okazaki et al., 2024, "Building a Large
Japanese Web Corpus for Large Language Models", §3) kept a page for extraction only when its
`<html>` carries `lang="ja"` or its `<title>` contains hiragana; we accept kana of either
script in the title, and `<meta http-equiv="content-language" content="ja">`. Two regexes
over the head of the decoded HTML decide, so a non-Japanese page costs microseconds. Pages
that pass are still checked by language ID after extraction.
"""

from __future__ import annotations

import html
import re

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

# the <html> tag and <title> sit at the top; 64k characters covers pages with huge inline
# scripts or styles in the head without scanning whole documents
HEAD_CHARS = 65_536
MAX_TITLE_CHARS = 500

_HTML_LANG = re.compile(r"""<html\b[^>]*?\b(?:xml:)?lang\s*=\s*["']?\s*ja\b""", re.IGNORECASE)
_META_LANG = re.compile(
    r"""<meta\b[^>]*?http-equiv\s*=\s*["']?content-language["']?[^>]*?content\s*=\s*["']?\s*ja\b""", re.IGNORECASE,
)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_KANA = re.compile(r"[\u3041-\u309f\u30a1-\u30ff\uff66-\uff9d]")
_SPACE = re.compile(r"\s+")


def page_title(page: str) -> str | None:
    """The decoded text of the first `<title>`, whitespace collapsed."""
    m = _TITLE.search(page, 0, HEAD_CHARS)
    if not m:
        return None
    title = _SPACE.sub(" ", html.unescape(m.group(1))).strip()
    return title[:MAX_TITLE_CHARS] or None


def japanese_marker(page: str, title: str | None) -> str | None:
    """Which Swallow-style marker the page carries (`html_lang`, `meta_language`, `title_kana`), or None."""
    head = page[:HEAD_CHARS]
    if _HTML_LANG.search(head):
        return "html_lang"
    if title and _KANA.search(title):
        return "title_kana"
    if _META_LANG.search(head):
        return "meta_language"
    return None


class JapanesePrecheck(BaseFilter):
    """Drops pages with no Japanese marker (`no_japanese_marker`) before extraction.

    Records `title` and, for kept pages, `ja_marker` in the metadata. With
    `require_marker=False` it only records them (for crawls of known-Japanese sites).
    A dropped page keeps the first `excerpt_chars` characters of its HTML in the excluded
    shards: on Common Crawl this step drops ~95% of all pages, and a full copy of them would
    double the crawl on disk; the id and URL lead back to the WARC record.
    """

    name = "🇯🇵 Japanese pre-check"

    def __init__(self, require_marker: bool = True, excerpt_chars: int | None = 4096, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.require_marker = require_marker  # Swallow (Okazaki et al., 2024): html lang or kana in title
        self.excerpt_chars = excerpt_chars

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        title = page_title(doc.text)
        if title:
            doc.metadata["title"] = title
        marker = japanese_marker(doc.text, title)
        if marker:
            doc.metadata["ja_marker"] = marker
            self.stat_update(f"marker_{marker}")
            return True
        if not self.require_marker:
            return True
        if self.excerpt_chars is not None:
            doc.metadata["html_chars"] = len(doc.text)
            doc.text = doc.text[: self.excerpt_chars]
        return False, "no_japanese_marker"
