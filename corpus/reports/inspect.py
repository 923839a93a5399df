"""`jacorpus inspect`: read documents out of shards, with our metadata columns in view.

Like datatrove's inspect tool, but it knows our schema: `--where licence=CC-BY-4.0`
filters on metadata, `--excluded` reads what a stage dropped, and each document shows
why it was dropped and the measured value.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Iterator

from datatrove.data import Document

from corpus.config import ConfigError
from corpus.readers.inputs import resolve_inputs
from corpus.formats.schema import row_to_document
from corpus.formats.shard_files import rows as shard_rows


def shard_files(paths: list[str], excluded: bool = False) -> list[str]:
    """Parquet files named directly, or those of a stage directory (kept, or excluded with --excluded)."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir() and (path / "shards").is_dir():
            sub = path / ("excluded" if excluded else "shards")
            out.extend(str(f) for f in sorted(sub.rglob("*.parquet")))
        else:
            out.extend(f for f in resolve_inputs([p]) if f.endswith(".parquet"))
    if not out:
        raise ConfigError(f"no parquet shards found in {' '.join(paths)}")
    return out


_CLAUSE = re.compile(r"(?P<key>[^=!~\s]+)\s*(?:(?P<op>!=|=|~)(?P<value>.*))?")


def parse_where(clauses: list[str]) -> list[tuple[str, str, str]]:
    """The `--where` grammar, one clause per flag, all clauses must hold:

    - `KEY=VALUE`, `KEY!=VALUE`: the key is present and its value is (is not) VALUE;
      numbers compare as numbers (`lang_score=1` matches 1.0);
    - `KEY~TEXT`: the key is present and its value contains TEXT;
    - `KEY`: the key is present; `!KEY`: it is absent.

    KEY is `id`, `text`, or a metadata key, dotted into maps (`pii.EMAIL`,
    `figures.hiragana_ratio`). The first operator splits the clause, so a value may hold
    `=` or `~` (`url~?a=b`). A missing key never matches a comparison: `pii.ADDRESS!=0`
    finds documents with addresses, not every document without a count."""
    parsed = []
    for clause in clauses:
        text = clause.strip()
        negated = text.startswith("!") and not text.startswith("!=")
        m = _CLAUSE.fullmatch(text[1:].strip() if negated else text)
        if m is None or (negated and m["op"]):
            raise ConfigError(f"--where {clause}: expected KEY=VALUE, KEY!=VALUE, KEY~TEXT, KEY or !KEY")
        op = "absent" if negated else (m["op"] or "present")
        parsed.append((m["key"], op, (m["value"] or "").strip()))
    return parsed


_MISSING = object()


def _lookup(doc: Document, key: str):
    if key in ("id", "text"):
        return getattr(doc, key)
    node = doc.metadata
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return _MISSING if node is None else node


def _equal(actual, value: str) -> bool:
    if isinstance(actual, (int, float)) and not isinstance(actual, bool):
        try:
            return float(actual) == float(value)
        except ValueError:
            return False
    return str(actual) == value


def matches(doc: Document, where: list[tuple[str, str, str]]) -> bool:
    for key, op, value in where:
        actual = _lookup(doc, key)
        if op == "absent":
            if actual is not _MISSING:
                return False
            continue
        if actual is _MISSING:  # no value to compare: no clause about it holds
            return False
        if op == "=" and not _equal(actual, value):
            return False
        if op == "!=" and _equal(actual, value):
            return False
        if op == "~" and value not in str(actual):
            return False
    return True


def iter_documents(files: list[str]) -> Iterator[Document]:
    for f in files:
        for row in shard_rows(f, columns=None, batch_size=500):
            yield row_to_document(row)


def select(files: list[str], where: list[tuple[str, str, str]], sample: int | None, limit: int, seed: int) -> list[Document]:
    """Matching documents: the first `limit`, or a uniform random `sample` (reservoir, one pass)."""
    rng = random.Random(seed)
    chosen: list[Document] = []
    seen = 0
    for doc in iter_documents(files):
        if not matches(doc, where):
            continue
        seen += 1
        if sample is None:
            chosen.append(doc)
            if len(chosen) >= limit:
                break
        elif len(chosen) < sample:
            chosen.append(doc)
        else:
            j = rng.randrange(seen)
            if j < sample:
                chosen[j] = doc
    return chosen


def render(docs: list[Document], chars: int, as_json: bool) -> None:
    """Print documents; ids, metadata and text are someone else's bytes, so none of them is
    read as rich markup and every control character is shown as an escape (corpus.reports.terminal_text)."""
    from corpus.reports.terminal_text import json_safe, plain

    if as_json:
        for doc in docs:
            print(json_safe(json.dumps({"id": doc.id, "text": doc.text, "metadata": doc.metadata},
                                       ensure_ascii=False, default=str)))
        return
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

    console = Console()
    for doc in docs:
        meta = Table.grid(padding=(0, 2))
        meta.add_column(style="bold cyan")
        meta.add_column()
        for key, value in doc.metadata.items():
            meta.add_row(plain(key), plain(json.dumps(value, ensure_ascii=False, default=str)
                                           if isinstance(value, (dict, list)) else value))
        text = doc.text if len(doc.text) <= chars else doc.text[:chars] + f" … [{len(doc.text) - chars} more characters]"
        title = plain(doc.id)
        if doc.metadata.get("reason"):
            title.append(f"  excluded: {plain(doc.metadata['reason'])}", style="red")
        console.print(Panel.fit(meta, title=title, title_align="left"))
        console.print(plain(text), highlight=False)
        console.print()
    console.print(f"[dim]{len(docs)} document(s)[/dim]")


def run_inspect(paths: list[str], where: list[str], sample: int | None, limit: int, seed: int,
                excluded: bool, chars: int, as_json: bool) -> int:
    files = shard_files(paths, excluded=excluded)
    docs = select(files, parse_where(where), sample, limit, seed)
    render(docs, chars, as_json)
    return 0
