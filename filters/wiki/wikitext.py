"""Wikitext to the plain text a reader of the article sees: prose and section headings.

Parsing is mwparserfromhell's (a maintained parser with a C tokenizer); this module only
decides what each parsed node shows. Dropped: templates other than the inline ones in
`filters.wiki.templates`, references, categories, files and galleries, interlanguage
links, HTML comments, behaviour switches, tables (unless `tables="text"`), and by default
the appendix sections (notes, sources, see also, external links). Kept: the visible text
of links, `<nowiki>` as literal text, `<math>` as its TeX source (configurable), furigana
as 漢字（かな）, list items as lines.

mwparserfromhell's own `Wikicode.strip_code()` is the baseline in
benchmarks/ingest_wiki.py: it keeps template-free text but also the content of tables,
galleries and references' neighbours, and drops every template, so 英語の {{lang|en|and}}
loses its word.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Literal

from filters.wiki.templates import Furigana, is_magic, normalize_name, render_template

# jawiki's standard appendix headings (Wikipedia:スタイルマニュアル (節構成)): lists of notes,
# sources and links rather than prose
APPENDIX_SECTIONS = ("脚注", "注釈", "注記", "出典", "参考文献", "関連文献", "関連項目", "外部リンク", "参照",
                     "References", "Notes", "See also", "External links")

FILE_PREFIXES = frozenset({"file", "image", "media", "ファイル", "画像", "メディア"})
CATEGORY_PREFIXES = frozenset({"category", "カテゴリ"})
# interwiki prefixes whose links stay visible inline (sister projects), unlike language links
SISTER_PREFIXES = frozenset({
    "w", "wikipedia", "wikt", "wiktionary", "commons", "c", "s", "wikisource", "b", "wikibooks",
    "q", "wikiquote", "n", "wikinews", "v", "wikiversity", "voy", "wikivoyage", "species", "d",
    "wikidata", "m", "meta", "mw", "foundation", "wmf", "phab", "doi",
})
LANGUAGE_PREFIX = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]+)*$|^simple$")

DROPPED_TAGS = frozenset({
    "ref", "references", "gallery", "imagemap", "timeline", "graph", "mapframe", "maplink",
    "templatedata", "templatestyles", "score", "inputbox", "categorytree", "indicator", "section",
    "includeonly", "rp", "hiero", "charinsert", "dynamicpagelist", "noinclude_meta", "style", "script",
})
FORMULA_TAGS = frozenset({"math", "chem", "ce"})
BLOCK_TAGS = frozenset({"p", "div", "blockquote", "poem", "center", "pre", "syntaxhighlight", "source", "li"})

_MAGIC_WORDS = re.compile(r"__[A-Z]+__")
_QUOTE_MARKS = re.compile(r"'{2,}")
# brackets emptied by a dropped template; ASCII "()" only where it cannot be a call like f()
_EMPTY_PARENS = re.compile(r"（[\s、，,;；:：/・]*）|(?<![\w)\]])\([\s、，,;；:：/・]*\)")
_PAREN_LEAD = re.compile(r"([（(])\s*[、，,;；]+\s*")
_PAREN_TRAIL = re.compile(r"\s*[、，,;；]+\s*([）)])")
_SPACES = re.compile(r"[ \t]+")
_DEBRIS_LINE = re.compile(r"^[\s|!*#:;・、，,]*$")
# characters of <nowiki> text that clean() would take for markup, swapped for private-use
# code points while cleaning
_SHIELD = str.maketrans({"{": "\ue000", "}": "\ue001", "'": "\ue002", "_": "\ue003", "|": "\ue004"})
_UNSHIELD = {ord(v): chr(k) for k, v in _SHIELD.items()}


@dataclass(kw_only=True, slots=True)
class WikitextOptions:
    """How wikitext becomes plain text; saved with the stage options in report.json."""

    tables: Literal["drop", "text"] = "drop"
    """`text` writes each table row as one line of cells joined by ` | `; infoboxes and navboxes
    are templates and go either way."""
    math: Literal["keep", "drop"] = "keep"
    """`keep` writes `<math>` as its TeX source: formulas are part of the sentence."""
    furigana: Furigana = "paren"
    """`paren` writes 漢字（かんじ） as jawiki renders {{読み仮名}}; `base` keeps only 漢字."""
    drop_sections: tuple[str, ...] = APPENDIX_SECTIONS
    """Sections removed whole, headings included (compared after stripping)."""
    headings: bool = True
    """Keep section headings as lines of their own."""
    _drop: frozenset = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        if self.tables not in ("drop", "text"):
            raise ValueError(f"tables must be 'drop' or 'text', not {self.tables!r}")
        if self.math not in ("keep", "drop"):
            raise ValueError(f"math must be 'keep' or 'drop', not {self.math!r}")
        if self.furigana not in ("paren", "base"):
            raise ValueError(f"furigana must be 'paren' or 'base', not {self.furigana!r}")
        self._drop = frozenset(s.strip().lower() for s in self.drop_sections)


def wikitext_to_text(wikitext: str, title: str = "", options: WikitextOptions | None = None) -> str:
    """The article's plain text: paragraphs separated by blank lines, headings on their own line."""
    import mwparserfromhell

    return _Renderer(options or WikitextOptions(), title).article(mwparserfromhell.parse(wikitext))


class _Renderer:
    """One article's rendering: node type -> visible text."""

    def __init__(self, options: WikitextOptions, title: str):
        from mwparserfromhell import nodes

        self.o = options
        self.title = title
        self.nodes = nodes

    # sections --------------------------------------------------------------
    def article(self, code) -> str:
        sections: list[list] = [[None, 0, []]]  # [heading, level, pieces]
        skip_level = 0
        for node in code.nodes:
            if isinstance(node, self.nodes.Heading):
                heading = clean(self.render(node.title)).strip()
                if skip_level and node.level > skip_level:
                    continue
                skip_level = node.level if heading.lower() in self.o._drop else 0
                if not skip_level:
                    sections.append([heading, node.level, []])
                continue
            if not skip_level:
                sections[-1][2].append(self.one(node))
        bodies = [clean("".join(pieces)) for _, _, pieces in sections]
        keep = _sections_with_text(sections, bodies)
        out = []
        for (heading, _, _), body, kept in zip(sections, bodies, keep):
            if not kept:
                continue
            if heading and self.o.headings:
                out.append(heading)
            if body:
                out.append(body)
        return "\n\n".join(out).translate(_UNSHIELD)

    # nodes -----------------------------------------------------------------
    def render(self, code) -> str:
        if code is None:
            return ""
        return "".join(self.one(node) for node in code.nodes)

    def one(self, node) -> str:
        n = self.nodes
        if isinstance(node, n.Text):
            return node.value
        if isinstance(node, n.Wikilink):
            return self.wikilink(node)
        if isinstance(node, n.Template):
            return self.template(node)
        if isinstance(node, n.Tag):
            return self.tag(node)
        if isinstance(node, n.HTMLEntity):
            return node.normalize()
        if isinstance(node, n.ExternalLink):
            if node.brackets:
                return self.render(node.title) if node.title is not None else ""
            return str(node.url)
        if isinstance(node, n.Heading):  # nested inside a tag or template argument
            return "\n" + self.render(node.title).strip() + "\n"
        if isinstance(node, n.Argument):  # {{{1|default}}} outside a template: its default
            return self.render(node.default)
        return ""  # comments and anything unknown

    def wikilink(self, node) -> str:
        target = str(node.title).strip()
        leading_colon = target.startswith(":")
        prefix, sep, _ = target.lstrip(":").partition(":")
        prefix_key = prefix.strip().lower()
        if sep and not leading_colon:
            if prefix_key in FILE_PREFIXES or prefix_key in CATEGORY_PREFIXES:
                return ""
            if prefix_key not in SISTER_PREFIXES and LANGUAGE_PREFIX.match(prefix_key):
                return ""  # interlanguage link: shown in the sidebar, not the text
        if node.text is not None:
            shown = self.render(node.text)
            if shown.strip():
                return shown
        shown = self.render(node.title).strip().lstrip(":")
        if sep and (prefix_key in SISTER_PREFIXES or LANGUAGE_PREFIX.match(prefix_key)):
            shown = shown.partition(":")[2]  # [[:en:Foo]] shows Foo
        if node.text is not None:  # pipe trick: [[Foo (bar)|]] shows Foo
            return re.sub(r"\s*[（(][^（()）]*[）)]\s*$", "", shown)
        return shown.split("#")[0] or shown.lstrip("#")

    def template(self, node) -> str:
        name = normalize_name(str(node.name))
        if is_magic(name):
            return ""
        positional: list[str] = []
        named: dict[str, str] = {}
        for param in node.params:
            key = str(param.name).strip()
            if key.isdigit():
                index = int(key)
                while len(positional) < index:
                    positional.append("")
                positional[index - 1] = self.render(param.value).strip()
            elif key in ("text", "quote"):
                named[key] = self.render(param.value).strip()
        return render_template(name, positional, named, self.title, self.o.furigana)

    def tag(self, node) -> str:
        tag = str(node.tag).strip().lower()
        if tag in DROPPED_TAGS:
            return ""
        if tag in ("br", "hr"):
            return "\n"
        if tag == "table":
            return "\n" + self.table(node) + "\n" if self.o.tables == "text" else "\n"
        if tag in FORMULA_TAGS:
            return "" if self.o.math == "drop" else str(node.contents).strip()
        if tag == "nowiki":  # literal: shielded from the residue clean-up until the end
            return "" if node.contents is None else html.unescape(str(node.contents)).translate(_SHIELD)
        if tag == "rt":
            return f"（{self.render(node.contents).strip()}）" if self.o.furigana == "paren" else ""
        if node.wiki_markup and tag in ("li", "dt", "dd"):
            return " " if tag == "dd" else ""  # the item's text follows as ordinary nodes
        if node.self_closing or node.contents is None:
            return ""
        inner = self.render(node.contents)
        return f"\n{inner}\n" if tag in BLOCK_TAGS else inner

    def table(self, node) -> str:
        rows: list[list[str]] = [[]]
        for child in node.contents.nodes:
            if not isinstance(child, self.nodes.Tag):
                continue
            tag = str(child.tag).lower()
            if tag == "tr":
                cells = [self.cell(c) for c in child.contents.nodes
                         if isinstance(c, self.nodes.Tag) and str(c.tag).lower() in ("td", "th")]
                rows.append(cells)
            elif tag in ("td", "th", "caption"):
                rows[-1].append(self.cell(child))
        lines = [" | ".join(c for c in row if c) for row in rows]
        return "\n".join(line for line in lines if line.strip())

    def cell(self, node) -> str:
        text = self.render(node.contents).strip()
        return " ".join(text.lstrip("+").split())


def _sections_with_text(sections: list[list], bodies: list[str]) -> list[bool]:
    """A section is kept when it or one of its subsections has text (empty headings go)."""
    keep = [False] * len(sections)
    below: list[tuple[int, bool]] = []  # (level, has text) of later sections, innermost last
    for i in range(len(sections) - 1, -1, -1):
        level = sections[i][1]
        has_sub = False
        while below and below[-1][0] > level:
            has_sub = below.pop()[1] or has_sub
        keep[i] = bool(bodies[i]) or has_sub
        below.append((level, keep[i]))
    return keep


def scrub_unparsed(text: str) -> str:
    """Remove markup that mwparserfromhell left as text because it could not parse it: table
    blocks `{| ... |}` (a malformed table), orphan table rows `|-`, `|cell` (a table whose
    `{|` sits inside a dropped template), and balanced `{{ ... }}` spans (a template with a
    broken name). Prose never starts a line with `|`. Rare: 4 of the 198 articles of the
    real slice need it."""
    if "{|" in text or "\n|" in text or text.startswith("|"):
        lines, depth = [], 0
        for line in text.split("\n"):
            stripped = line.lstrip()
            if stripped.startswith("{|"):
                depth += 1
            elif depth and stripped.startswith("|}"):
                depth -= 1
            elif not depth and not stripped.startswith("|"):
                lines.append(line)
        text = "\n".join(lines)
    while "{{" in text:
        start = text.find("{{")
        depth, i = 0, start
        while i < len(text) - 1:
            pair = text[i:i + 2]
            if pair == "{{":
                depth, i = depth + 1, i + 2
            elif pair == "}}":
                depth, i = depth - 1, i + 2
                if depth == 0:
                    break
            else:
                i += 1
        text = text[:start] + (text[i:] if depth == 0 else text[start + 2:])
    return text


def clean(text: str) -> str:
    """Tidy what the removed markup leaves behind: empty brackets, bold marks, blank runs."""
    text = scrub_unparsed(_MAGIC_WORDS.sub("", text))
    text = _QUOTE_MARKS.sub("", text)
    for _ in range(2):  # （、英: x） -> （英: x）; nested empties need a second pass
        text = _EMPTY_PARENS.sub("", text)
        text = _PAREN_LEAD.sub(r"\1", text)
        text = _PAREN_TRAIL.sub(r"\1", text)
    lines = []
    blank = False
    for raw in text.split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if _DEBRIS_LINE.match(line):
            blank = bool(lines)
            continue
        if blank:
            lines.append("")
            blank = False
        lines.append(line)
    return "\n".join(lines)
