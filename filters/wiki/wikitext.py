"""Wikitext to the plain text a reader of the article sees: prose, headings, lists, tables.

Parsing is mwparserfromhell's (a maintained parser with a C tokenizer); this module only
decides what each parsed node shows. Dropped: templates other than those rendered by
`filters.wiki.templates`, references, categories, files and galleries, interlanguage
links, HTML comments, behaviour switches, ASCII-art blocks (`filters.wiki.preformatted`),
and by default the appendix sections (notes, sources, see also, external links). Kept:
the visible text of links, `<nowiki>` as literal text, `<math>` as its TeX source
(configurable), furigana as 漢字（かな）, list items as lines (option `lists`), tables as
one line per row (option `tables`; by default in list articles only). A value the page
cannot give offline takes its clause or sentence with it (`filters.wiki.holes`), and so
does a pointer to a category page.

mwparserfromhell's own `Wikicode.strip_code()` is the baseline in
benchmarks/ingest_wiki.py: it keeps template-free text but also the content of tables,
galleries and references' neighbours, and drops every template, so 英語の {{lang|en|and}}
loses its word.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from filters.wiki.cleanup import clean, scrub_unparsed
from filters.wiki.holes import HOLE, NAV, repair, strip_marks
from filters.wiki.preformatted import drop_art
from filters.wiki.template_values import country, magic_variable, parser_function
from filters.wiki.templates import BREAK, ITEM, NAMED_KEYS, Furigana, normalize_name, render_template

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

# characters of <nowiki> text that clean() would take for markup, swapped for private-use
# code points while cleaning
_SHIELD = str.maketrans({"{": "\ue000", "}": "\ue001", "'": "\ue002", "_": "\ue003", "|": "\ue004"})
_UNSHIELD = {ord(v): chr(k) for k, v in _SHIELD.items()}
# list articles, whose tables are the article (国の一覧, 内閣総理大臣の一覧, List of ...)
LIST_ARTICLE = re.compile(r"一覧|^lists? of ", re.IGNORECASE)
# parser functions whose arguments are read (the others' are not rendered: #tag:ref holds a footnote)
_READS_PARAMS = frozenset({"#if", "#ifeq"})
# value kinds counted as `values_rendered`
VALUE_FUNCTIONS = frozenset({"formatnum", "#expr"})
VALUE_TEMPLATES = frozenset({"生年月日と年齢", "没年齢", "死亡年月日と没年齢", "coord", "ウィキ座標度分秒",
                             "ウィキ座標2段度分秒", "convert", "isbn", "isbn2", "isbnt"})

_HOLES = re.compile(f"{HOLE}+")
_BREAKS = re.compile(f"[\n{BREAK}]*{BREAK}[\n{BREAK}]*")

Tables = Literal["drop", "text", "list_articles"]
Lists = Literal["text", "drop"]


@dataclass(kw_only=True, slots=True)
class WikitextOptions:
    """How wikitext becomes plain text; saved with the stage options in report.json."""

    tables: Tables = "list_articles"
    """`text` writes each table row as one line of cells joined by ` | `; `list_articles` does so
    in articles whose title says they are lists (一覧, "List of"), where the table is the
    article, and drops tables elsewhere (climate and election tables read as number runs);
    `drop` drops them all. Infoboxes and navboxes are templates and go either way."""
    lists: Lists = "text"
    """`text` keeps list items (`*`, `#`, {{ul}}, {{Plainlist}}...) as lines; `drop` removes them."""
    math: Literal["keep", "drop"] = "keep"
    """`keep` writes `<math>` as its TeX source: formulas are part of the sentence."""
    furigana: Furigana = "paren"
    """`paren` writes 漢字（かんじ） as jawiki renders {{読み仮名}}; `base` keeps only 漢字."""
    drop_sections: tuple[str, ...] = APPENDIX_SECTIONS
    """Sections removed whole, headings included (compared after stripping)."""
    headings: bool = True
    """Keep section headings as lines of their own."""
    art_min_drawing: float = 0.25
    """A preformatted block (lines starting with a space, or <pre>) whose non-space characters
    are at least this share drawing characters, and whose lines align columns, is ASCII art
    and dropped; 1.0 keeps every block. Source: the slice's preformatted blocks, read by
    hand: the two syntax trees of 文脈自由文法 are 0.54 (aligned 0.8); every other block with
    aligned columns is under 0.07 (station lists of 台東区), see docs/ingest_wiki.md."""
    _drop: frozenset = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        if self.tables not in ("drop", "text", "list_articles"):
            raise ValueError(f"tables must be 'drop', 'text' or 'list_articles', not {self.tables!r}")
        if self.lists not in ("text", "drop"):
            raise ValueError(f"lists must be 'text' or 'drop', not {self.lists!r}")
        if not 0.0 <= self.art_min_drawing <= 1.0:
            raise ValueError(f"art_min_drawing must be in [0, 1], not {self.art_min_drawing!r}")
        if self.math not in ("keep", "drop"):
            raise ValueError(f"math must be 'keep' or 'drop', not {self.math!r}")
        if self.furigana not in ("paren", "base"):
            raise ValueError(f"furigana must be 'paren' or 'base', not {self.furigana!r}")
        self._drop = frozenset(s.strip().lower() for s in self.drop_sections)


def wikitext_to_text(wikitext: str, title: str = "", options: WikitextOptions | None = None,
                     date: str | None = None) -> str:
    """The article's plain text: paragraphs separated by blank lines, headings on their own line."""
    return render_article(wikitext, title, options, date)[0]


def render_article(wikitext: str, title: str = "", options: WikitextOptions | None = None,
                   date: str | None = None) -> tuple[str, Counter]:
    """The article's plain text and what rendering did to it: `values_rendered`, `values_unknown`,
    `brackets_dropped`, `clauses_dropped`, `sentences_dropped`, `navigation_dropped`,
    `tables_kept`, `tables_dropped`, `table_rows_kept`, `table_rows_dropped`, `list_items_kept`,
    `list_items_dropped`, `art_blocks_dropped`. `date` is the revision timestamp, which
    {{CURRENTYEAR}} and friends showed when the revision was saved."""
    import mwparserfromhell

    renderer = _Renderer(options or WikitextOptions(), title, date)
    text = renderer.article(mwparserfromhell.parse(wikitext))
    return text, renderer.counts


class _Renderer:
    """One article's rendering: node type -> visible text."""

    def __init__(self, options: WikitextOptions, title: str, date: str | None = None):
        from mwparserfromhell import nodes

        self.o = options
        self.title = title
        self.date = date
        self.nodes = nodes
        self.counts: Counter = Counter()
        self.tables_as_text = options.tables == "text" or (
            options.tables == "list_articles" and bool(LIST_ARTICLE.search(title)))

    # sections --------------------------------------------------------------
    def article(self, code) -> str:
        sections: list[list] = [[None, 0, []]]  # [heading, level, pieces]
        skip_level = 0
        for node in code.nodes:
            if isinstance(node, self.nodes.Heading):
                heading = clean(self.finish(self.render(node.title))).strip()
                if skip_level and node.level > skip_level:
                    continue
                skip_level = node.level if heading.lower() in self.o._drop else 0
                if not skip_level:
                    sections.append([heading, node.level, []])
                continue
            if not skip_level:
                sections[-1][2].append(self.one(node))
        bodies = [clean(self.finish("".join(pieces))) for _, _, pieces in sections]
        keep = _sections_with_text(sections, bodies)
        out = []
        for (heading, _, _), body, kept in zip(sections, bodies, keep):
            if not kept:
                continue
            if heading and self.o.headings:
                out.append(heading)
            if body:
                out.append(body)
        return strip_marks("\n\n".join(out)).replace(ITEM, "").replace(BREAK, "\n").translate(_UNSHIELD)

    def finish(self, text: str) -> str:
        """Rendered wikitext -> text: art blocks out, holes repaired, list items kept or dropped."""
        if BREAK in text:
            text = _BREAKS.sub(lambda m: "\n\n" if m.group().count("\n") >= 2 else "\n", text)
        text = drop_art(text, self.o.art_min_drawing, self.counts)
        text = self.repair_holes(scrub_unparsed(text, hole=HOLE) if "{{" in text else text)
        if ITEM in text:
            text = self.list_lines(text)
        return text

    def repair_holes(self, text: str) -> str:
        """filters.wiki.holes.repair, counting the unknown values it removes."""
        if HOLE in text:
            self.counts["values_unknown"] += len(_HOLES.findall(text))
        return repair(text, self.counts)

    def list_lines(self, text: str) -> str:
        """Lines that start with ITEM marks are list items: kept without the marks, or dropped."""
        lines = []
        for line in text.split("\n"):
            body = line.lstrip(" " + ITEM)
            if len(body) == len(line) or ITEM not in line[: len(line) - len(body)]:
                lines.append(line.replace(ITEM, ""))
                continue
            has_text = bool(body.strip(" :;、"))
            if self.o.lists == "drop":
                self.counts["list_items_dropped"] += has_text
            else:
                self.counts["list_items_kept"] += has_text
                lines.append(body.replace(ITEM, ""))
        return "\n".join(lines)

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
        if sep and leading_colon and prefix_key in CATEGORY_PREFIXES:
            # [[:Category:X]]を参照 points at navigation: marked so the pointer sentence can go
            shown = self.render(node.text).strip() if node.text is not None else ""
            return f"{NAV}{shown or target.partition(':')[2].partition(':')[2].strip()}{NAV}"
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
        raw_name = str(node.name).strip()
        name = normalize_name(raw_name)
        if ":" in name or name.startswith("#"):
            return self.parser_function(node)
        value = magic_variable(name, self.date) if not node.params else None
        if value is None and raw_name.isupper() and not node.params:
            value = country(raw_name, [])
        if value is not None:
            return self._counted(value)
        positional: list[str] = []
        named: dict[str, str] = {}
        for param in node.params:
            key = str(param.name).strip()
            if key.isdigit():
                index = int(key)
                while len(positional) < index:
                    positional.append("")
                positional[index - 1] = self.render(param.value).strip()
            elif key in NAMED_KEYS:
                named[key] = self.render(param.value).strip()
        shown = render_template(name, positional, named, self.title, self.o.furigana)
        return self._counted(shown) if name in VALUE_TEMPLATES else shown

    def parser_function(self, node) -> str:
        """{{formatnum:...}}, {{#expr:...}}, {{#if:...}}: the name holds the first argument."""
        function, _, arg = self.render(node.name).partition(":")
        function = function.strip().lower()
        params = [self.render(p.value).strip() for p in node.params] if function in _READS_PARAMS else []
        shown = parser_function(function, arg.strip(), params)
        return self._counted(shown) if function in VALUE_FUNCTIONS else shown

    def _counted(self, value: str) -> str:
        if value and HOLE not in value:
            self.counts["values_rendered"] += 1
        return value

    def tag(self, node) -> str:
        tag = str(node.tag).strip().lower()
        if tag in DROPPED_TAGS:
            return ""
        if tag in ("br", "hr"):
            return "\n"
        if tag == "table":
            return "\n" + self.table(node) + "\n"
        if tag in FORMULA_TAGS:
            return "" if self.o.math == "drop" else str(node.contents).strip()
        if tag == "nowiki":  # literal: shielded from the residue clean-up until the end
            return "" if node.contents is None else html.unescape(str(node.contents)).translate(_SHIELD)
        if tag == "rt":
            return f"（{self.render(node.contents).strip()}）" if self.o.furigana == "paren" else ""
        if node.wiki_markup and tag in ("li", "dt", "dd"):  # the item's text follows as ordinary nodes
            return ITEM if tag == "li" else " " if tag == "dd" else ""
        if node.self_closing or node.contents is None:
            return ""
        inner = self.render(node.contents)
        if tag == "pre":  # preformatted like a space-indented block, so art is found the same way
            inner = "\n".join(" " + line for line in inner.split("\n"))
        return f"\n{inner}\n" if tag in BLOCK_TAGS else inner

    def table(self, node) -> str:
        """One line per row, cells joined by ` | `; or nothing, counting what was dropped."""
        if node.contents is None:
            return ""
        if not self.tables_as_text:
            tags = [str(c.tag).lower() for c in node.contents.nodes if isinstance(c, self.nodes.Tag)]
            first_row_implicit = bool(tags) and tags[0] in ("td", "th")  # cells before the first |-
            self.counts["tables_dropped"] += 1
            self.counts["table_rows_dropped"] += tags.count("tr") + first_row_implicit
            return ""
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
        lines = [line for line in lines if line.strip()]
        self.counts["tables_kept"] += 1
        self.counts["table_rows_kept"] += len(lines)
        return "\n".join(lines)

    def cell(self, node) -> str:
        """A cell on one line: its list items and lines joined by spaces, a lost value repaired
        within the cell (the cell is the sentence)."""
        text = self.render(node.contents).replace(ITEM, " ").replace(BREAK, " ")
        text = self.repair_holes(" ".join(text.strip().lstrip("+").split()))
        return clean(text).replace("\n", " ")


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
