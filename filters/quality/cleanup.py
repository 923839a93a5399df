"""Text clean-up before the quality rules (Swallow §3.6 "modification", run first here).

- Unicode NFKC, so that full-width Latin letters and digits, half-width katakana and
  compatibility characters are counted by the rules as what they are. "safe" NFKC keeps
  the characters NFKC would change in a way that loses meaning (… to "...", ～ to "~",
  ① to 1, x² to x2, 30㎡ to 30m2, № to No), so ellipsis rules and prose keep them.
- Full-width ．，used as sentence punctuation become 。、(Swallow normalizes these), but
  not between digits, where they are a decimal point or a thousands separator (３．５).
- Boilerplate lines anywhere on the page (back to top, breadcrumbs, 続きを読む, paywall
  notices, table-pipe sidebars; `boilerplate_lines.py`) are removed, and trailing footer
  lines (copyright, share buttons, footer menus) cut from its end, at most `footer_lines`.
  So are layout lines, symbols and punctuation alone (`━━━━`, a lone `（`).
- The normalisation (NFKC and punctuation) is applied to every text source alike (web and
  wiki by default), the line removal to web pages.

A plain PipelineStep: it edits text, it never drops a document. The number of documents
changed and characters removed go to the step's stats.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from filters.quality.boilerplate_lines import load_line_patterns, remove_boilerplate_lines
from filters.quality.options import LISTS_DIR, CleanupOptions

_NFKC_KEEP = "…‥～〜"
# Compatibility characters whose NFKC form loses meaning: ① -> 1, x² -> x2, 30㎡ -> 30m2,
# №5 -> No5, ½ -> 1⁄2. Width folding (<wide>, <narrow>), canonical composition and the other
# presentation forms are what the rules need folded; these tags are left as written.
_KEEP_TAGS = frozenset({"<compat>", "<circle>", "<super>", "<sub>", "<square>", "<fraction>"})
# ...except the Kangxi and CJK radicals (<compat>), which PDF and OCR text use in place of
# the kanji they look like (⼀ for 一): folding them restores the kanji
_RADICALS = (range(0x2E80, 0x2F00), range(0x2F00, 0x2FE0))


def _kept_by_tag(cp: int) -> bool:
    decomposition = unicodedata.decomposition(chr(cp))
    return (decomposition.startswith("<") and decomposition.split(" ", 1)[0] in _KEEP_TAGS
            and not any(cp in block for block in _RADICALS))


@lru_cache(maxsize=1)
def kept_characters() -> frozenset[str]:
    """Characters safe NFKC leaves as they are: …‥～〜 and the meaning-bearing compatibility forms."""
    return frozenset(_NFKC_KEEP) | frozenset(chr(cp) for cp in range(0x30000) if _kept_by_tag(cp))
_FULL_WIDTH_MARK = re.compile("[．，]")
_DIGITS = set("0123456789０１２３４５６７８９")
_HAS_KANA = re.compile(r"[\u3041-\u309f\u30a1-\u30fa]")


_SUPPLEMENTARY = re.compile("[\U00010000-\U0010ffff]")


def _changes_under_nfkc(cp: int, composing: set[int]) -> bool:
    ch = chr(cp)
    return ((unicodedata.normalize("NFKC", ch) != ch or unicodedata.combining(ch) != 0 or cp in composing)
            and ch not in kept_characters())


@lru_cache(maxsize=1)
def _composing() -> set[int]:
    """Second halves of canonical pairs: they compose with what precedes them even where NFKC
    leaves them alone on their own (combining marks, and a few starters such as Hangul vowels)."""
    out = {int(d.split()[1], 16) for d in map(unicodedata.decomposition, map(chr, range(0x30000)))
           if d and not d.startswith("<") and len(d.split()) == 2}
    return out | set(range(0x1160, 0x1200))  # Hangul jungseong/jongseong: algorithmic composition


@lru_cache(maxsize=1)
def _unstable_bmp() -> tuple[int, ...]:
    """BMP code points that NFKC changes or that compose with what precedes them."""
    return tuple(cp for cp in range(0x10000) if _changes_under_nfkc(cp, _composing()))


@lru_cache(maxsize=1)
def _nfkc_unstable() -> re.Pattern:
    """Runs of BMP characters that NFKC changes or that compose with what precedes them.

    NFKC over a whole page costs ~100 ns per character, and a Japanese page typically has
    a few dozen characters to change, so normalizing only those runs is several times
    faster. BMP only: a character class reaching into the supplementary planes matches an
    order of magnitude slower, so those characters are looked up one by one instead."""
    unstable = _unstable_bmp()
    ranges, start, prev = [], unstable[0], unstable[0]
    for cp in [*unstable[1:], -1]:
        if cp != prev + 1:
            ranges.append(f"\\u{start:04x}-\\u{prev:04x}" if prev > start else f"\\u{start:04x}")
            start = cp
        prev = cp
    return re.compile(f"[{''.join(ranges)}]+")


@lru_cache(maxsize=1)
def _nfkc_unstable_table() -> np.ndarray:
    """The characters of `_nfkc_unstable` as a lookup table over the BMP."""
    table = np.zeros(0x10000, dtype=bool)
    table[list(_unstable_bmp())] = True
    return table


@lru_cache(maxsize=1)
def _unstable_supplementary() -> frozenset[str]:
    return frozenset(chr(cp) for cp in range(0x10000, 0x30000) if _changes_under_nfkc(cp, _composing()))


def safe_nfkc(text: str) -> str:
    """NFKC, except for `kept_characters()` (…, ‥, ～, 〜, ①, ², ㎡, №, ...), which stay as they are."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    codepoints = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if codepoints.max() >= 0x10000:  # emoji are stable, mathematical letters and the like are not
        unstable = _unstable_supplementary()
        spans = [m.span() for m in _SUPPLEMENTARY.finditer(text) if m.group() in unstable]
        text = _fold_full_width(_normalize_spans(text, spans))
        return _normalize_spans(text, (m.span() for m in _nfkc_unstable().finditer(text)))
    # BMP only (nearly every page): the code points at hand give both the folding and the
    # runs `_nfkc_unstable` would find, in a few array operations instead of a regex scan
    folded = _fold_codepoints(codepoints)
    if folded is not None:
        codepoints = folded
        text = folded.tobytes().decode("utf-32-le", "surrogatepass")
    unstable = _nfkc_unstable_table()[codepoints]
    if not unstable.any():
        return text
    edges = np.flatnonzero(np.diff(unstable, prepend=False, append=False))  # run starts and ends, alternating
    return _normalize_spans(text, zip(edges[0::2].tolist(), edges[1::2].tolist()))


def _normalize_spans(text: str, spans) -> str:
    """NFKC over the given spans, each widened to whole combining sequences: back over
    combining marks to the starter they compose with (か + ゙ = が), forward over the marks
    that follow (NFKC puts them in canonical order); overlapping spans are merged."""
    merged: list[list[int]] = []
    for begin, end in spans:
        while begin > 0 and unicodedata.combining(text[begin - 1]):
            begin -= 1
        if begin > 0 and text[begin - 1] not in kept_characters() and text[begin - 1] != "\n":
            begin -= 1
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([begin, end])
    if not merged:
        return text
    out, done = [], 0
    for begin, end in merged:
        out.append(text[done:begin])
        out.append(unicodedata.normalize("NFKC", text[begin:end]))
        done = end
    out.append(text[done:])
    return "".join(out)


def _fold_full_width(text: str) -> str:
    """Full-width ASCII (！..｝, not ～) and the ideographic space, NFKC's commonest changes in
    Japanese text, mapped in one vector operation; the rest goes through NFKC run by run."""
    folded = _fold_codepoints(np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32))
    return text if folded is None else folded.tobytes().decode("utf-32-le", "surrogatepass")


def _fold_codepoints(cps: np.ndarray) -> np.ndarray | None:
    """`_fold_full_width` on code points; None when there is nothing to fold."""
    wide = (cps >= 0xFF01) & (cps <= 0xFF5D)
    space = cps == 0x3000
    if not (wide.any() or space.any()):
        return None
    cps = cps.copy()
    cps[wide] -= 0xFEE0
    cps[space] = 0x20
    return cps


def japanese_punctuation(text: str) -> str:
    """．，→ 。、 in Japanese text (text with kana), except between digits."""
    if ("．" not in text and "，" not in text) or not _HAS_KANA.search(text):
        return text
    return _FULL_WIDTH_MARK.sub(lambda m: _as_japanese(m, text), text)


def _as_japanese(match: re.Match, text: str) -> str:
    i, mark = match.start(), match.group()
    between_digits = 0 < i < len(text) - 1 and text[i - 1] in _DIGITS and text[i + 1] in _DIGITS
    return mark if between_digits else ("。" if mark == "．" else "、")


def load_footer_patterns(path: str | Path | None = None) -> re.Pattern:
    lines = Path(path or LISTS_DIR / "footers.txt").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)", re.IGNORECASE)


def trim_footer(text: str, pattern: re.Pattern, max_lines: int) -> str:
    """Remove up to `max_lines` trailing lines that are entirely boilerplate (blank lines in between go too)."""
    if max_lines <= 0:
        return text
    # walk back line by line from the end instead of splitting the whole page into lines:
    # body[:end] is always what joining the lines still kept would give
    body = text.rstrip()
    end, removed = len(body), 0
    while end >= 0 and removed < max_lines:
        start = body.rfind("\n", 0, end) + 1
        last = body[start:end].strip()
        if last:
            if not pattern.fullmatch(last):
                break
            removed += 1
        end = start - 1  # -1: no line left
    return body[: max(end, 0)].rstrip() if removed else text


class TextCleanup(PipelineStep):
    """Normalises the text of `normalize_sources` and removes boilerplate lines from `sources`.

    Characters and lines removed from a page are counted in the step's stats and in the
    document's `figures` (`boilerplate_lines_removed`, `boilerplate_chars_removed`), so a
    page that was mostly navigation can be told from one that was mostly prose."""

    type = "✂️ - FORMAT"
    name = "🧹 clean-up"

    def __init__(self, options: CleanupOptions | None = None):
        super().__init__()
        self.options = options or CleanupOptions()
        self.sources = tuple(self.options.sources)
        self.normalize_sources = tuple(self.options.normalize_sources)
        self._footers: re.Pattern | None = None
        self._lines: re.Pattern | None = None

    def normalize(self, text: str) -> str:
        """The Unicode and punctuation normalisation every text source gets."""
        o = self.options
        if o.japanese_punctuation:
            text = japanese_punctuation(text)  # before NFKC, which turns ．，into ASCII
        if o.nfkc == "safe":
            text = safe_nfkc(text)
        elif o.nfkc == "full":
            text = unicodedata.normalize("NFKC", text)
        return text

    def strip_boilerplate(self, text: str) -> tuple[str, int]:
        """(text without boilerplate lines and footer, boilerplate lines removed)."""
        o = self.options
        removed = 0
        if o.remove_boilerplate_lines or o.remove_layout_lines:
            if self._lines is None and o.remove_boilerplate_lines:
                self._lines = load_line_patterns(o.boilerplate_path)
            text, removed, _ = remove_boilerplate_lines(text, self._lines if o.remove_boilerplate_lines else None,
                                                        layout=o.remove_layout_lines)
        if o.trim_footers:
            if self._footers is None:
                self._footers = load_footer_patterns(o.footer_path)
            trimmed = trim_footer(text, self._footers, o.footer_lines)
            if trimmed != text:
                removed += text.count("\n") - trimmed.count("\n")
                text = trimmed
        return text, removed

    def clean(self, text: str) -> str:
        """Normalisation and boilerplate removal, as a web page gets them."""
        return self.strip_boilerplate(self.normalize(text))[0]

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            source = doc.metadata.get("source")
            if self.options.enabled and (source in self.sources or source in self.normalize_sources):
                with self.track_time():
                    cleaned = self.normalize(doc.text) if source in self.normalize_sources else doc.text
                    if source in self.sources:
                        normalized = cleaned
                        cleaned, lines = self.strip_boilerplate(normalized)
                        figures = doc.metadata.setdefault("figures", {})
                        figures["boilerplate_lines_removed"] = float(lines)
                        figures["boilerplate_chars_removed"] = float(len(normalized) - len(cleaned))
                if cleaned != doc.text:
                    self.stat_update("documents_changed")
                    self.stat_update("characters_removed", value=max(0, len(doc.text) - len(cleaned)))
                    doc.text = cleaned
            yield doc
