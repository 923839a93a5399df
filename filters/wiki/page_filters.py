"""Which pages of a dump are articles: namespace, redirect, disambiguation, length.

Each is a datatrove BaseFilter that drops with a stable reason through its own exclusion
writer, so the stage report says how many pages were redirects, talk pages, lists of
meanings or stubs. The first three look at the raw page (metadata and wikitext) and run
before the costly wikitext parse; `MinLengthFilter` runs on the plain text after it.
"""

from __future__ import annotations

import re

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

# MediaWiki's redirect magic word, English and Japanese (languages/messages/MessagesJa.php)
_REDIRECT = re.compile(r"^\s*#(?:REDIRECT|転送|リダイレクト)\s*:?\s*\[\[", re.IGNORECASE)

# jawiki's disambiguation templates: {{Aimai}} and its aliases, and the {{Xの曖昧さ回避}}
# family (人名, 地名, 山, 学校...), which all put the page in Category:曖昧さ回避
# (https://ja.wikipedia.org/wiki/Template:Aimai). {{要曖昧さ回避}} (a link that needs
# disambiguating) is a maintenance tag in ordinary articles and must not match.
DISAMBIGUATION_TEMPLATE = re.compile(
    r"\{\{\s*(?:template:|テンプレート:)?\s*(?:aimai|曖昧さ回避|disambig(?:uation)?|dab|[^{}|\n]{1,20}の曖昧さ回避)\s*(?:\||\}\})",
    re.IGNORECASE,
)
DISAMBIGUATION_CATEGORY = re.compile(r"\[\[\s*(?:category|カテゴリ)\s*:\s*(?:[^\]|]*の)?曖昧さ回避\s*(?:\||\]\])",
                                     re.IGNORECASE)


class NamespaceFilter(BaseFilter):
    """Articles live in namespace 0; talk, user, project, template, category, help and
    module pages are not prose about the topic."""

    name = "🗂 wiki namespace"

    def __init__(self, namespaces: tuple[int, ...] | list[int] = (0,), exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.namespaces = frozenset(int(n) for n in namespaces)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        ns = int(doc.metadata.get("ns", 0))
        return True if ns in self.namespaces else (False, f"namespace:{ns}")


class RedirectFilter(BaseFilter):
    """A redirect is a pointer to another page, not text. The dump marks it with
    `<redirect title=...>`; the `#REDIRECT [[...]]` check covers dumps that do not."""

    name = "↪ wiki redirect"

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if doc.metadata.get("redirect") is not None or _REDIRECT.match(doc.text[:200]):
            return False, "redirect"
        return True


class DisambiguationFilter(BaseFilter):
    """Disambiguation pages list the meanings of a title; as text they are link lists."""

    name = "🔀 wiki disambiguation"

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if DISAMBIGUATION_TEMPLATE.search(doc.text) or DISAMBIGUATION_CATEGORY.search(doc.text):
            return False, "disambiguation"
        return True


MIN_CHARS = 50
"""Dolma drops Wikipedia pages under 25 words (Soldaini et al. 2024, §3 "Wikipedia &
Wikibooks"); Japanese runs about 2 characters per MeCab word."""


class MinLengthFilter(BaseFilter):
    """Drops stubs whose plain text is shorter than `min_chars` characters."""

    name = "📏 wiki min length"

    def __init__(self, min_chars: int = MIN_CHARS, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.min_chars = min_chars

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        chars = len(doc.text.strip())
        doc.metadata.setdefault("figures", {})["chars"] = float(chars)
        return True if chars >= self.min_chars else (False, "too_short")
