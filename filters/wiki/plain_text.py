"""The step that turns each article's wikitext into plain text (filters.wiki.wikitext).

A BaseFilter rather than a formatter because it can fail per document: a page that
renders to nothing, or that the parser cannot handle, is excluded with a reason instead
of travelling on as an empty document or ending the task.
"""

from __future__ import annotations

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

from filters.wiki.wikitext import WikitextOptions, wikitext_to_text


class WikitextToPlainText(BaseFilter):
    name = "🧹 wikitext to text"
    _requires_dependencies = ["mwparserfromhell"]

    def __init__(self, options: WikitextOptions | None = None, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.options = options or WikitextOptions()

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        raw = doc.text
        figures = doc.metadata.setdefault("figures", {})
        figures["wikitext_bytes"] = float(len(raw.encode("utf-8")))
        try:
            text = wikitext_to_text(raw, doc.metadata.get("title", ""), self.options)
        except Exception as err:  # noqa: BLE001 - one odd page must not end the task
            doc.metadata["error"] = f"{type(err).__name__}: {err}"[:500]
            return False, "wikitext_parse_error"
        figures["text_chars"] = float(len(text))
        if not text.strip():
            return False, "empty_after_cleaning"
        doc.text = text
        return True
