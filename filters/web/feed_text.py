"""RSS and Atom feeds -> the text of their items.

Older Japanese crawls hold many blogs mostly as feeds (Movable Type, livedoor, FC2 and
Seesaa wrote RSS 1.0/2.0 and Atom next to every blog), and the 2005-era feeds in
../shared/data are that. A feed's HTML extractor output is noise: channel titles, dates,
item links and truncated summaries next to the full entries. What a reader of the blog
sees is each item's title and its body, so that is the text: per item (RSS `item`, Atom
`entry`), the title, then the fullest body the item carries (`content:encoded`, Atom
`content`, `description`, Atom `summary`: whichever renders to the most text; a summary is
usually the start of the content, so taking both would repeat it), bodies rendered from
their escaped HTML. Items are separated by a blank line.

The parser is lxml's in recovery mode, which reads the malformed XML old blog tools wrote
(undeclared entities, stray `&`). Feeds reach extraction only with the stage option
`extract_feeds` (docs/ingest_web.md says why it is off by default).
"""

from __future__ import annotations

import re

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml")

_FEED_ROOT = re.compile(r"\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<(?:rss|feed|rdf:RDF)\b", re.DOTALL)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^<>]*>|&[a-zA-Z#][a-zA-Z0-9]*;")
_ITEM_TAGS = ("item", "entry")
_TITLE_TAGS = ("title",)
_BODY_TAGS = ("encoded", "content", "description", "summary")  # content:encoded is {ns}encoded


def is_feed(page: str) -> bool:
    """An RSS (0.9x, 1.0/RDF, 2.0) or Atom document: its root element, after any prolog."""
    return _FEED_ROOT.match(page[:4096]) is not None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _render(node) -> str:
    """An element's text: escaped or inline (XHTML) HTML rendered to text, plain text as it is."""
    from resiliparse.extract.html2text import extract_plain_text

    import lxml.etree

    if len(node):  # Atom type="xhtml": the markup is inline
        markup = "".join(lxml.etree.tostring(child, encoding="unicode") for child in node)
        markup = (node.text or "") + markup
    else:
        markup = node.text or ""
    if not markup.strip():
        return ""
    if _MARKUP.search(markup):
        markup = extract_plain_text(markup, main_content=False, alt_texts=False, links=False, list_bullets=False)
    return "\n".join(line.strip() for line in markup.splitlines() if line.strip())


def feed_items(feed: str) -> list[tuple[str, str]]:
    """(title, body) of every item or entry of a feed, in document order."""
    import lxml.etree

    parser = lxml.etree.XMLParser(recover=True, huge_tree=True, remove_comments=True, resolve_entities=False)
    # the declaration names the bytes' encoding, which the reader has already decoded
    root = lxml.etree.fromstring(_XML_DECLARATION.sub("", feed, count=1).encode("utf-8", "surrogatepass"), parser=parser)
    if root is None:
        return []
    items = []
    for item in root.iter():
        if _local(item.tag) not in _ITEM_TAGS:
            continue
        title, bodies = "", []
        for child in item:
            name = _local(child.tag)
            if name in _TITLE_TAGS and not title:
                title = _render(child)
            elif name in _BODY_TAGS:
                bodies.append(_render(child))
        items.append((title, max(bodies, key=len, default="")))
    return items


def feed_text(feed: str) -> str:
    """Each item's title and fullest body, items separated by a blank line ('' for no items)."""
    return "\n\n".join("\n".join(part for part in item if part) for item in feed_items(feed) if any(item))
