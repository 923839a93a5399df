"""Which templates carry visible prose, and how to render them as plain text.

We cannot expand templates (that needs the wiki's Template: and Module: pages, i.e. a
MediaWiki install), so every template is dropped except:

- the inline ones whose visible output is one of their own arguments: language wrappers,
  interlanguage red links, furigana, "citation needed for this span" markers, font and
  size wrappers, quotations, indents;
- list templates ({{ul}}, {{Plainlist}}, {{col-list}}...): each item on a line of its own,
  marked with `ITEM` so the `lists` option can keep or drop them; a width such as `7.5em`
  is layout, not an item;
- value templates computed from their arguments (`filters.wiki.template_values`: formatnum,
  dates and ages, coordinates, convert, ISBN, country names) and those whose value lives
  elsewhere on the wiki (data subpages such as {{自治体人口/秋田県|秋田市}}), which render as
  `HOLE` so the sentence around them can be dropped instead of left broken.

Dropping the rest (infoboxes, navboxes, citations, footnote marks, hatnotes, maintenance
banners) cuts no word of the article's prose.

The table was built from the template frequencies of the real jawiki slice in
../shared/data/wiki (2022-07 revisions); each entry names the argument that holds what
jawiki renders. Names are compared case-folded, with `_` read as a space.
"""

from __future__ import annotations

import re
from typing import Literal

from filters.wiki.holes import HOLE
from filters.wiki.template_values import convert, coordinates, date_template

# name -> 1-based positional argument holding the visible text
VISIBLE_ARGUMENT: dict[str, int] = {
    # language wrappers: {{lang|en|text}} shows text; {{Lang-en|text}} is handled by prefix
    "lang": 2,
    "langwithname": 3,
    "llang": 2,
    "仮リンク": 1,  # interlanguage red link {{仮リンク|表示|en|Title}}
    "ill2": 1, "ill": 1,
    "ilq": 1,
    "interlanguage link": 1,
    # font, size and layout wrappers
    "small": 1, "big": 1, "smaller": 1, "larger": 1, "sup": 1, "sub": 1, "ul": 1,
    "nowrap": 1, "nobr": 1, "wrap": 1, "inline-block": 1, "unicode": 1, "ipa": 1,
    "visible anchor": 1, "audio": 2, "color": 2, "colour": 2, "font color": 2,
    "transl": 2, "sic": 1, "smallcaps": 1, "serif": 1, "script": 2,
    # quotations and indented blocks are prose of the article
    "quote": 1, "quotation": 1, "cquote": 1, "centered pull quote": 1, "quote box": 1,
    "blockquote": 1, "indent": 1, "no col break": 1,
    # inline text shown with a mark or in another script
    "ピン音": 1, "高線": 1, "下げ核": 1, "jis2004フォント": 1, "pdflink": 1,
    # spans marked for attention still belong to the sentence
    "要出典範囲": 1, "独自研究範囲": 1, "要検証範囲": 1, "疑問点範囲": 1, "要説明範囲": 1,
    "要校閲範囲": 1, "未検証範囲": 1, "誰範囲": 1, "要曖昧さ回避範囲": 1, "要追加記述範囲": 1,
}

# list templates: every positional argument is an item, except layout arguments
LIST_TEMPLATES = frozenset({
    "ul", "ubl", "ubil", "unbulleted list", "bulleted list", "ordered list", "plainlist", "plain list",
    "flatlist", "hlist", "col-list", "columns-list", "collapsible list", "mfl",
})
# a width or colour anywhere, or a column count first ({{col-list|7.5em|...}}, {{Columns-list|2|...}});
# {{div col|2|20em}} is not a list template: its list follows it in the wikitext
CSS_VALUE = re.compile(r"^\s*(?:\d+(?:\.\d+)?(?:em|ex|px|pt|rem|%)|#[0-9a-f]{3,6})\s*$", re.IGNORECASE)
COLUMN_COUNT = re.compile(r"^\s*\d\s*$")
ITEM = "\ue012"  # start of a list item line; removed, or the line dropped, by the `lists` option
BREAK = "\ue013"  # a line break that merges with the wikitext's own, so a list template adds no blank line

# named arguments that hold the text when the positional one is absent
VISIBLE_NAMED = ("text", "quote")
# the named arguments the renderer reads (the others, e.g. an infobox's fields, are not rendered)
NAMED_KEYS = frozenset({"text", "quote", "label", "display"})

# {{interlang|en|Title|表示}}, {{URL|address|表示}}: display text or, without one, the target
DISPLAY_OR_TARGET = {"interlang": (3, 2), "url": (2, 1)}

# templates that read data kept elsewhere on the wiki (besides data subpages, whose name has "/")
DATA_TEMPLATES = frozenset({"郡データ換算", "人口換算", "自治体人口", "自治体面積"})

# ISO 639 codes used as bare wrapper templates on jawiki ({{en|I am happy.}}, {{el|και}})
LANGUAGE_CODE_TEMPLATES = frozenset({
    "en", "ja", "el", "fr", "de", "la", "zh", "ko", "ru", "it", "es", "pt", "ar", "he", "grc",
    "sa", "nl", "sv", "fi", "pl", "cs", "hu", "tr", "vi", "th", "id", "ms", "fa", "hi", "ur", "bn",
    "ta", "mn", "bo", "ug", "ain", "lzh", "yue",
})

FURIGANA = frozenset({"読み仮名", "読み仮名 ruby不使用", "読み仮名 ruby", "読み仮名_ruby不使用", "ruby", "ルビ"})

# templates that stand for one character
CHARACTER = {"nbsp": " ", "!": "|", "=": "=", "0": "", "·": "・", "•": "・", "middot": "・", "en dash": "–",
             "em dash": "—", "snd": " – ", "spaced en dash": " – "}

Furigana = Literal["paren", "base"]


def normalize_name(raw: str) -> str:
    """`Template:Lang-en_short ` -> `lang-en short`: how MediaWiki matches names, roughly."""
    name = raw.strip().replace("_", " ")
    if ":" in name:
        prefix, _, rest = name.partition(":")
        if prefix.lower() in ("template", "テンプレート", "t"):
            name = rest.strip()
    return re.sub(r"\s+", " ", name).lower()


def render_template(name: str, positional: list[str], named: dict[str, str], title: str,
                    furigana: Furigana = "paren") -> str:
    """Plain text for one template whose arguments are already rendered; "" when it shows no prose.

    `positional` holds the rendered unnamed arguments in order; `named` the rendered named
    ones in NAMED_KEYS. Furigana templates render as jawiki shows {{読み仮名}}: 漢字（かんじ）.
    A value that lives elsewhere on the wiki renders as HOLE.
    """
    if name in CHARACTER:
        return CHARACTER[name]
    if name in ("pagename", "pagenamee", "fullpagename"):
        return title
    if name in FURIGANA:
        return _furigana(positional, furigana)
    if name in LIST_TEMPLATES:
        return list_items(name, positional)
    value = date_template(name, positional)
    if value is None:
        value = coordinates(name, positional, named)
    if value is not None:
        return value
    if name == "convert":
        return convert(positional)
    if name in ("isbn", "isbn2", "isbnt"):
        return f"ISBN {positional[0]}" if positional and positional[0] else ""
    if name == "nihongo":  # {{Nihongo|English|漢字|romaji}} -> English（漢字、romaji）
        notes = [p for p in positional[1:3] if p.strip()]
        return _arg(positional, 1) + (f"（{'、'.join(notes)}）" if notes else "")
    if "/" in name or name in DATA_TEMPLATES:
        return HOLE
    if name in DISPLAY_OR_TARGET:
        shown, fallback = DISPLAY_OR_TARGET[name]
        return named.get("label") or _arg(positional, shown) or _arg(positional, fallback)
    if name.startswith(("lang-", "ipa-")):
        return _arg(positional, 1)
    if name in LANGUAGE_CODE_TEMPLATES and len(positional) == 1:
        return positional[0]
    if name in ("resize", "fontsize", "font size") and positional:
        return positional[-1]
    index = VISIBLE_ARGUMENT.get(name)
    if index is None:
        return ""
    if name in ("ill", "ill2", "仮リンク") and named.get("label"):
        return named["label"]
    return _arg(positional, index) or next((named[k] for k in VISIBLE_NAMED if named.get(k)), "")


def list_items(name: str, positional: list[str]) -> str:
    """One line per item, each starting with ITEM; widths and a leading column count are layout."""
    items = positional[1:] if positional and COLUMN_COUNT.match(positional[0]) else positional
    return "".join(f"{BREAK}{ITEM}{item.strip()}" for item in items if item.strip() and not CSS_VALUE.match(item)) + BREAK


def _arg(positional: list[str], index: int) -> str:
    return positional[index - 1] if len(positional) >= index else ""


def _furigana(positional: list[str], mode: Furigana) -> str:
    base = _arg(positional, 1)
    notes = [p for p in positional[1:] if p.strip()]
    if mode == "base":
        notes = notes[1:]  # drop the reading, keep glosses such as 英: physics
    return f"{base}（{'、'.join(notes)}）" if notes else base
