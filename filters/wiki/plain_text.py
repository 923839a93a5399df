"""The step that turns each article's wikitext into plain text (filters.wiki.wikitext).

A BaseFilter rather than a formatter because it can fail per document: a page that
renders to nothing, or that the parser cannot handle, is excluded with a reason instead
of travelling on as an empty document or ending the task.

What rendering did (values rendered, clauses and sentences dropped for a value that
cannot be known, table rows and list items kept or dropped, art blocks dropped) goes in
the document's `figures` and in the step's stats, which the stage report sums.
"""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

from filters.wiki.markup_guard import ParseTimeout, parse_deadline
from filters.wiki.wikitext import WikitextOptions, render_article

# render_article's counts, reported per document and per stage
TEXT_FIGURES = (
    "values_rendered", "values_unknown", "brackets_dropped", "clauses_dropped", "sentences_dropped",
    "navigation_dropped", "tables_kept", "tables_dropped", "table_rows_kept", "table_rows_dropped",
    "list_items_kept", "list_items_dropped", "art_blocks_dropped",
)


class WikitextToPlainText(BaseFilter):
    name = "🧹 wikitext to text"
    _requires_dependencies = ["mwparserfromhell"]

    def __init__(self, options: WikitextOptions | None = None, exclusion_writer=None,
                 per_source: dict[str, WikitextOptions] | None = None, max_parse_seconds: float | None = None):
        """`per_source` maps a source name (the document's `dataset`) to its own options, e.g.
        tables as text for one wiki only; other documents use `options`. A page that takes
        longer than `max_parse_seconds` is excluded as `pathological_markup` (markup_guard.py)."""
        super().__init__(exclusion_writer)
        self.options = options or WikitextOptions()
        self.per_source = dict(per_source or {})
        self.max_parse_seconds = max_parse_seconds

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        raw = doc.text
        figures = doc.metadata.setdefault("figures", {})
        figures["wikitext_bytes"] = float(len(raw.encode("utf-8")))
        options = self.per_source.get(doc.metadata.get("dataset"), self.options)
        try:
            with parse_deadline(self.max_parse_seconds):
                text, counts = render_article(raw, doc.metadata.get("title", ""), options, doc.metadata.get("date"))
        except ParseTimeout as err:
            doc.metadata["markup_problem"] = str(err)
            return False, "pathological_markup"
        except Exception as err:  # noqa: BLE001 - one odd page must not end the task
            doc.metadata["error"] = f"{type(err).__name__}: {err}"[:500]
            return False, "wikitext_parse_error"
        figures["text_chars"] = float(len(text))
        for key in TEXT_FIGURES:
            if counts[key]:
                figures[key] = float(counts[key])
                self.stat_update(key, value=counts[key])
        if not text.strip():
            return False, "empty_after_cleaning"
        doc.text = text
        return True
