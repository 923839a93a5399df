"""Which templates carry visible prose, and how to render them as plain text.

We cannot expand templates (that needs the wiki's Template: and Module: pages, i.e. a
MediaWiki install), so every template is dropped except the inline ones whose visible
output is one of their own arguments: language wrappers, interlanguage red links,
furigana, "citation needed for this span" markers, font and size wrappers. Dropping
those would cut words out of sentences; the rest (infoboxes, navboxes, citations,
hatnotes, maintenance banners) carries no prose of the article.

The table was built from the template frequencies of the real jawiki slice in
../shared/data/wiki (2022-07 revisions); each entry names the argument that holds what
jawiki renders. Names are compared case-folded, with `_` read as a space.
"""

from __future__ import annotations

import re
from typing import Literal

# name -> 1-based positional argument holding the visible text
VISIBLE_ARGUMENT: dict[str, int] = {
    # language wrappers: {{lang|en|text}} shows text; {{Lang-en|text}} is handled by prefix
    "lang": 2,
    "langwithname": 3,
    "llang": 2,
    "仮リンク": 1,  # interlanguage red link {{仮リンク|表示|en|Title}}
    "ill2": 1,
    "ilq": 1,
    "interlanguage link": 1,
    # font, size and layout wrappers
    "small": 1, "big": 1, "smaller": 1, "larger": 1, "sup": 1, "sub": 1, "ul": 1,
    "nowrap": 1, "nobr": 1, "wrap": 1, "inline-block": 1, "unicode": 1, "ipa": 1,
    "visible anchor": 1, "audio": 2, "color": 2, "colour": 2, "font color": 2,
    "transl": 2, "sic": 1, "smallcaps": 1, "serif": 1, "script": 2,
    # quotations are prose of the article
    "quote": 1, "quotation": 1, "cquote": 1, "centered pull quote": 1, "quote box": 1,
    "blockquote": 1,
    # spans marked for attention still belong to the sentence
    "要出典範囲": 1, "独自研究範囲": 1, "要検証範囲": 1, "疑問点範囲": 1, "要説明範囲": 1,
    "要校閲範囲": 1, "未検証範囲": 1, "誰範囲": 1, "要曖昧さ回避範囲": 1, "要追加記述範囲": 1,
    # lists wrapped for layout (the list itself is the argument)
    "plainlist": 1, "flatlist": 1, "columns-list": 1, "col-list": 1, "hlist": 1,
}

# named arguments that hold the text when the positional one is absent
VISIBLE_NAMED = ("text", "quote")

# {{interlang|en|Title|表示}}: display text or, without one, the foreign title
INTERLANG = {"interlang": (3, 2)}

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


def is_magic(name: str) -> bool:
    """Parser functions and behaviour switches ({{#if:}}, {{DEFAULTSORT:x}}) print nothing useful."""
    return name.startswith("#") or ":" in name


def render_template(name: str, positional: list[str], named: dict[str, str], title: str,
                    furigana: Furigana = "paren") -> str:
    """Plain text for one template whose arguments are already rendered; "" when it shows no prose.

    `positional` holds the rendered unnamed arguments in order; `named` the rendered named
    ones. Furigana templates render as jawiki shows {{読み仮名}}: 漢字（かんじ）.
    """
    if name in CHARACTER:
        return CHARACTER[name]
    if name in ("pagename", "pagenamee", "fullpagename"):
        return title
    if name in FURIGANA:
        return _furigana(positional, furigana)
    if name == "生年月日と年齢" and len(positional) >= 3:
        y, m, d = (p.strip() for p in positional[:3])
        return f"{y}年{m}月{d}日" if all(x.isdigit() for x in (y, m, d)) else ""
    if name in INTERLANG:
        shown, fallback = INTERLANG[name]
        return _arg(positional, shown) or _arg(positional, fallback)
    if name.startswith(("lang-", "ipa-")):
        return _arg(positional, 1)
    if name in LANGUAGE_CODE_TEMPLATES and len(positional) == 1:
        return positional[0]
    if name in ("resize", "fontsize", "font size") and positional:
        return positional[-1]
    index = VISIBLE_ARGUMENT.get(name)
    if index is None:
        return ""
    return _arg(positional, index) or next((named[k] for k in VISIBLE_NAMED if named.get(k)), "")


def _arg(positional: list[str], index: int) -> str:
    return positional[index - 1] if len(positional) >= index else ""


def _furigana(positional: list[str], mode: Furigana) -> str:
    base = _arg(positional, 1)
    notes = [p for p in positional[1:] if p.strip()]
    if mode == "base":
        notes = notes[1:]  # drop the reading, keep glosses such as 英: physics
    return f"{base}（{'、'.join(notes)}）" if notes else base
