"""Rows of parquet files in The Stack's schema (bigcode/the-stack, the-stack-dedup,
starcoderdata): one source file per row, with its repository and licences already known.

Column names differ between releases, so each role accepts the known spellings:
The Stack v1 has `content`, `max_stars_repo_path`, `max_stars_repo_name`,
`max_stars_repo_licenses` (a list of SPDX ids) and `lang`; later dumps use `path`,
`repo_name`, `detected_licenses`, `language`. The licences a row lists are all taken to
apply (joined with AND), which is the cautious reading of a detector's list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from filters.licence.spdx import normalize

COLUMNS: dict[str, tuple[str, ...]] = {
    "content": ("content", "text", "code"),
    "path": ("path", "max_stars_repo_path", "file_path", "filepath"),
    "repo": ("repo", "repo_name", "max_stars_repo_name", "repository"),
    "licence": ("licenses", "license", "licences", "licence", "max_stars_repo_licenses", "detected_licenses"),
    "language": ("lang", "language"),
}


@dataclass
class StackRow:
    index: int
    content: str | bytes | None
    path: str | None
    repo: str | None
    licence: str | None
    language: str | None
    reason: str | None = None  # the row could not be read as it is (invalid_utf8, unreadable_rows)


class SchemaMismatch(ValueError):
    """The parquet file is not in The Stack's schema (no content column)."""


def resolve_columns(names: list[str]) -> dict[str, str]:
    """role -> column present in the file; raises SchemaMismatch without a content column."""
    present = set(names)
    found = {}
    for role, candidates in COLUMNS.items():
        for name in candidates:
            if name in present:
                found[role] = name
                break
    if "content" not in found:
        raise SchemaMismatch(f"no content column (expected one of {', '.join(COLUMNS['content'])})")
    return found


def licence_value(value) -> str | None:
    """A licence cell (an id, an expression, or a list of ids) as one SPDX expression."""
    if value is None:
        return None
    items = [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]
    items = [i.strip() for i in items if i and i.strip()]
    if not items:
        return None
    canonical = [normalize(i, allow_unknown_keys=True) or i for i in items]
    unique = list(dict.fromkeys(canonical))
    return unique[0] if len(unique) == 1 else " AND ".join(f"({c})" if " " in c else c for c in unique)


def _text(value) -> str | None:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value


def iter_rows(path: str, batch_size: int = 1000) -> Iterator[StackRow]:
    """Every row, in order. Content is read as bytes (code ingest detects its charset, and
    undecodable content is excluded as such); a row whose other cells are not valid UTF-8,
    or that lies in an unreadable row group, comes back with `reason` set instead of ending
    the file (corpus.formats.parquet_rows)."""
    import pyarrow.parquet as pq

    from corpus.formats.parquet_rows import iter_rows as parquet_rows

    columns = resolve_columns(pq.read_schema(path).names)
    for row in parquet_rows(path, columns=list(columns.values()), batch_size=batch_size,
                            binary=(columns["content"],)):
        get = {role: row.values.get(name) for role, name in columns.items()}.get
        licence = None if row.reason else licence_value(get("licence"))
        yield StackRow(row.index, get("content"), _text(get("path")), _text(get("repo")), licence,
                       _text(get("language")), row.reason)
