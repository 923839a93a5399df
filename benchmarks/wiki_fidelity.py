"""Text-fidelity figures for benchmarks/ingest_wiki.py: sentences broken by a lost value,
list articles' length, and the renderer of an earlier commit to compare with.

The broken-sentence count does not use the renderer's template tables. It finds, in the
raw wikitext, each template that shows a value in a running sentence (VALUE_NAME, labelled
by reading each template's jawiki documentation: data subpages, number-formatting parser
functions, dates and ages, coordinates, country flags, units) with a few characters of
plain text on each side; a converter left the sentence broken when its output holds the
two sides joined with nothing between them (`面積は` + `km2で` -> `面積はkm2で`).
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import tempfile
from pathlib import Path

VALUE_NAME = re.compile(
    r"^(?:formatnum:|#expr:|自治体人口|自治体面積|郡データ換算|生年月日と年齢|没年齢|死亡年月日と没年齢"
    r"|coord\b|ウィキ座標|convert\b|currentyear|numberof)", re.IGNORECASE)
COUNTRY_CODE = re.compile(r"^[A-Z]{3}$")  # {{JPN}}: a flag and the country's name
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_REF = re.compile(r"<ref[^>/]*/>|<ref[^>]*>.*?</ref>", re.DOTALL)
_LINK = re.compile(r"\[\[(?:[^\[\]|]*\|)?([^\[\]]*)\]\]")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}")
LEFT, RIGHT = 6, 4  # characters of plain text kept on each side of the value
LIST_ARTICLE = re.compile(r"一覧")


def _plain(wikitext: str) -> str:
    text = _TAG.sub("", _LINK.sub(r"\1", _REF.sub("", wikitext)))
    for _ in range(3):
        text = _TEMPLATE.sub("", text)
    return re.sub(r"'{2,}", "", text)


def _top_level_templates(line: str):
    """(start, end) of each template not inside another one."""
    i, n = 0, len(line)
    while i < n - 1:
        if line.startswith("{{", i):
            depth, j = 0, i
            while j < n - 1:
                if line.startswith("{{", j):
                    depth, j = depth + 1, j + 2
                elif line.startswith("}}", j):
                    depth, j = depth - 1, j + 2
                    if depth == 0:
                        break
                else:
                    j += 1
            if depth:
                return
            yield i, j
            i = j
        else:
            i += 1


def value_sites(wikitext: str) -> list[str]:
    """For each value template in a prose line: its left and right plain-text context joined,
    i.e. what the text reads as when the value is lost."""
    sites = []
    for line in _REF.sub("", _COMMENT.sub("", wikitext)).split("\n"):
        if not line or line[0] in "{|!=:;<" or "{{" not in line:
            continue
        for start, end in _top_level_templates(line):
            name = line[start + 2:end - 2].split("|")[0].strip()
            if not (VALUE_NAME.match(name) or (COUNTRY_CODE.match(name) and "|" not in line[start:end])):
                continue
            left, right = _plain(line[:start]), _plain(line[end:])
            left, right = re.sub(r"\s+", "", left)[-LEFT:], re.sub(r"\s+", "", right)[:RIGHT]
            if len(left) >= 2 and right and not re.search(r"[{}\[\]<>|]", left + right):
                sites.append(left + right)
    return sites


def broken_sentences(outputs: list[str], articles: list) -> tuple[int, int]:
    """(sites whose two sides are joined in the output, all sites)."""
    broken = total = 0
    for out, doc in zip(outputs, articles):
        flat = re.sub(r"\s+", "", out)
        sites = value_sites(doc.text)
        total += len(sites)
        broken += sum(1 for s in sites if s in flat)
    return broken, total


def list_articles(articles: list) -> list[int]:
    return [i for i, d in enumerate(articles) if LIST_ARTICLE.search(d.metadata["title"])]


def load_before(rev: str, root: Path):
    """`filters/wiki` as it was at git revision `rev`, imported as its own package, so the
    old and the new renderer run in the same process; None when git cannot give it."""
    try:
        names = subprocess.run(["git", "-C", str(root), "ls-tree", "--name-only", f"{rev}:filters/wiki"],
                               capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return None
    package = f"wiki_at_{re.sub(r'[^0-9A-Za-z]', '_', rev)}"
    folder = Path(tempfile.mkdtemp()) / package
    folder.mkdir()
    for name in names:
        if name.endswith(".py"):
            source = subprocess.run(["git", "-C", str(root), "show", f"{rev}:filters/wiki/{name}"],
                                    capture_output=True, text=True, check=True).stdout
            (folder / name).write_text(source.replace("filters.wiki.", f"{package}."), encoding="utf-8")
    sys.path.insert(0, str(folder.parent))
    return importlib.import_module(f"{package}.wikitext")
