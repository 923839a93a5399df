"""A per-page guard against wikitext that would keep the parser busy for minutes or hours.

mwparserfromhell backtracks over every opener it cannot close, so its time grows about
quadratically with unclosed templates, links, tags and external links: measured here,
`"{{a|" * 2000` takes 1.2 s, `* 8000` 72 s, and `* 200000` (an 800 kB page) would take
hours; `"<ref>" * 12000` takes several seconds although nothing about it looks
unbalanced by count. One such page used to stall its whole task.

Two guards, both excluding the page as `pathological_markup`:

- before parsing (`PathologicalMarkupFilter`, deterministic): wikitext longer than
  MediaWiki's own article limit, or more unclosed `{{` / `[[` than real pages have;
- during parsing (`parse_deadline`, used by the wikitext step): a wall-clock limit per
  page, delivered by SIGALRM so it interrupts the C tokenizer too. A timer is only
  available in a process's main thread, which is where datatrove's local and Slurm
  executors run tasks; elsewhere the structural guard alone applies.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter


MAX_WIKITEXT_BYTES = 2 * 1024 * 1024
MAX_UNCLOSED = 100
MAX_PARSE_SECONDS = 30.0


@dataclass(kw_only=True, slots=True)
class MarkupBudget:
    """What one page may cost; the stage options hold it."""

    max_wikitext_bytes: int = MAX_WIKITEXT_BYTES
    """MediaWiki's $wgMaxArticleSize (2048 KiB, the limit Wikipedia runs with): no saved
    revision is longer."""
    max_unclosed: int = MAX_UNCLOSED
    """Unclosed `{{` or `[[` (openers minus closers). The 262 real jawiki pages of
    ../shared/data have at most 0 and 1; 2000 cost mwparserfromhell 1.2 s."""
    max_parse_seconds: float | None = MAX_PARSE_SECONDS
    """Wall-clock seconds to render one page; the slowest real page of the shared jawiki
    slice takes 0.3 s, so this is 100x that. None: no deadline."""

    def __post_init__(self) -> None:
        if self.max_wikitext_bytes < 1 or self.max_unclosed < 0:
            raise ValueError("max_wikitext_bytes must be >= 1 and max_unclosed >= 0")
        if self.max_parse_seconds is not None and self.max_parse_seconds <= 0:
            raise ValueError("max_parse_seconds must be > 0 (or None)")


class ParseTimeout(BaseException):
    """Raised inside the parse when its deadline passes. A BaseException, like
    KeyboardInterrupt, so no `except Exception` on the way can swallow it."""


def _unclosed(text: str) -> tuple[int, int]:
    return text.count("{{") - text.count("}}"), text.count("[[") - text.count("]]")


def markup_problem(text: str, budget: MarkupBudget) -> str | None:
    """Why this wikitext is not worth parsing, or None."""
    size = len(text.encode("utf-8"))
    if size > budget.max_wikitext_bytes:
        return f"{size} bytes of wikitext, above {budget.max_wikitext_bytes}"
    templates, links = _unclosed(text)
    if max(templates, links) > budget.max_unclosed:
        return f"{templates} unclosed templates and {links} unclosed links, above {budget.max_unclosed}"
    return None


@contextmanager
def parse_deadline(seconds: float | None) -> Iterator[None]:
    """Raise ParseTimeout in the body once `seconds` have passed (main thread only; a
    no-op elsewhere or with None). The previous SIGALRM handler and timer come back after."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield None
        return

    def expire(_signum, _frame):
        raise ParseTimeout(f"parse took longer than {seconds}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class PathologicalMarkupFilter(BaseFilter):
    """The structural guard, placed right before the wikitext is parsed."""

    name = "🧱 markup guard"

    def __init__(self, budget: MarkupBudget | None = None, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.budget = budget or MarkupBudget()

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        templates, links = _unclosed(doc.text)
        figures = doc.metadata.setdefault("figures", {})
        if templates > 0:
            figures["unclosed_templates"] = float(templates)
        if links > 0:
            figures["unclosed_links"] = float(links)
        problem = markup_problem(doc.text, self.budget)
        if problem:
            doc.metadata["markup_problem"] = problem
            return False, "pathological_markup"
        return True
