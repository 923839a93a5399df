"""Pages held back in arrival order, most of them in a temporary file rather than in memory.

Task-mode host boilerplate (host_boilerplate.py, `learn_within_task`) must see a file's
pages before it can extract the first of them, so it holds them back, up to
`boilerplate_buffer_chars` (50M characters by default). Held as `Document`s, a Japanese
page costs 2 bytes a character in Python, so the stage's memory followed its input until
that buffer was full (1.22x peak RSS from 1x to 4x input, docs/scale.md). Here only the
first `memory_chars` characters of pages stay in memory; every later page is pickled into
an anonymous temporary file and read back, one page at a time, when the buffer is drained.

Why a file and not compression in memory (measured on four copies of the 69 real pages of
../shared/data/web/ja_fixture_pages_packed.warc.gz, `python benchmarks/page_buffer.py`):
pickling them into a file and reading them back costs ~14 ms per million characters, zlib
level 1 in memory ~62 ms (either small next to extraction), and the file holds next to
nothing in memory, where compressed pages still take ~0.2 of the memory of the pages.

Why pickle: the pages come back byte-identical (text, id, media, metadata with its key
order and value types), so the stage's output does not depend on where a page was held.
The file is only ever read by the process that wrote it.

Kill and resume: the file is created by `tempfile.TemporaryFile`, which on Linux has no
name (O_TMPFILE, or unlinked at once), so a killed task leaves nothing behind; a resumed
task reads its input again from the start, like any datatrove task.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterator
from typing import IO

from datatrove.data import Document

# characters of pages kept in memory before spilling (about 2 MB for Japanese HTML): a
# fixture-size WARC (637k characters of Japanese pages) never touches the disk; beyond it
# memory stays flat whatever boilerplate_buffer_chars is (benchmarks/memory.py)
DEFAULT_MEMORY_CHARS = 1_000_000


class PageBuffer:
    """Documents appended in order and handed back in the same order by `drain`.

    The first `memory_chars` characters of documents are kept as objects; once one does
    not fit, it and every later one go to a temporary file in `spill_dir` (the system's
    temporary directory when None), so that the order is kept without an index."""

    def __init__(self, memory_chars: int = DEFAULT_MEMORY_CHARS, spill_dir: str | None = None):
        if memory_chars < 0:
            raise ValueError("memory_chars must be >= 0")
        self.memory_chars = memory_chars
        self.spill_dir = spill_dir
        self._held: list[Document] = []
        self._held_chars = 0
        self._file: IO[bytes] | None = None
        self._spilled = 0
        self.chars = 0  # characters of text held, in memory and on disk
        self.spilled_total = 0  # documents that went through the file since creation

    def __len__(self) -> int:
        return len(self._held) + self._spilled

    def append(self, doc: Document) -> None:
        size = len(doc.text)
        self.chars += size
        if not self._spilled and self._held_chars + size <= self.memory_chars:
            self._held.append(doc)
            self._held_chars += size
            return
        if self._file is None:
            if self.spill_dir is not None:
                os.makedirs(self.spill_dir, exist_ok=True)
            self._file = tempfile.TemporaryFile(prefix="page_buffer_", dir=self.spill_dir)
        pickle.dump(doc, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._spilled += 1
        self.spilled_total += 1

    def drain(self) -> Iterator[Document]:
        """Every held document in the order appended; the buffer is empty afterwards (the
        file is reused for the next fill). Documents appended while draining are not
        allowed: the caller drains, then fills again."""
        held, spilled, self._held, self._held_chars, self._spilled, self.chars = self._held, self._spilled, [], 0, 0, 0
        yield from held
        if not spilled:
            return
        assert self._file is not None
        self._file.flush()
        self._file.seek(0)
        for _ in range(spilled):
            yield pickle.load(self._file)
        self._file.seek(0)
        self._file.truncate()

    def close(self) -> None:
        """Drop whatever is held and the file (its disk space is freed on close)."""
        self._held, self._held_chars, self._spilled, self.chars = [], 0, 0, 0
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> PageBuffer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
