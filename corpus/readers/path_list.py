"""Base for readers of raw inputs (WARC, dumps, archives) given as a list of paths.

datatrove's BaseDiskReader wants one data folder and a glob; our CLI takes any mix of
files, directories and globs (`--input PATH...`), already resolved to a path list. Each
task reads `paths[rank::world_size]`, so files are the unit of parallelism as in
datatrove.

A record that cannot be parsed is still a document here: the subclass yields it through
`excluded(...)` with a named reason, and the stage's first step (`ExcludeMarked`) sends it
to the excluded shards. Nothing is dropped without a trace and a bad record never ends
the task.
"""

from __future__ import annotations

import os
import stat
import sys
from abc import abstractmethod
from typing import Iterator

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from loguru import logger


def open_input(path: str):
    """Binary file object for a local path or a URL (http(s), s3:// ... through fsspec), so
    ingest can stream a remote WARC without keeping it on disk."""
    if "://" in path and not path.startswith("file://"):
        import fsspec

        # block_size=0: one streamed read, which also works where a server ignores Range
        return fsspec.open(path, "rb", block_size=0).open()
    return open(path.removeprefix("file://"), "rb")


def input_problem(path: str, directories: bool = False) -> str | None:
    """Why a local input is not a data file to open: `special_file` (a FIFO, socket or
    device: opening a FIFO blocks for ever), `symlinked_directory` or `directory` (unless
    the reader reads folders); None for a regular file, a URL, or a path that is gone (the
    read itself reports that)."""
    if "://" in path and not path.startswith("file://"):
        return None
    local = path.removeprefix("file://")
    try:
        mode = os.stat(local).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or (directories and stat.S_ISDIR(mode)):
        return None
    if stat.S_ISDIR(mode):
        return "symlinked_directory" if os.path.islink(local) else "directory"
    return "special_file"


def excluded_document(step: str, doc_id: str, reason: str, path: str, text: str = "", **metadata) -> Document:
    """A record a reader could not turn into a document, marked for `ExcludeMarked` with a
    named reason: it is counted in and written to the excluded shards, never dropped."""
    return Document(text=text, id=doc_id, metadata={**metadata, "path": path, "excluded_by": step, "reason": reason})


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def progress_bar(paths: list[str], desc: str, enabled: bool = True):
    """A bytes-based bar with ETA over a task's input files; off with --quiet, in CI, or
    when stderr is not a terminal (logs stay clean)."""
    quiet = os.environ.get("JACORPUS_QUIET") or os.environ.get("CI") or not sys.stderr.isatty()
    if quiet or not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=sum(_size(p) for p in paths), desc=desc, unit="B", unit_scale=True, leave=False)


class PathListReader(PipelineStep):
    type = "📖 - READER"
    name = "path list reader"
    reads_directories = False  # a reader whose units are folders (source trees) sets this

    def __init__(self, paths: list[str], limit: int = -1):
        super().__init__()
        self.paths = sorted(paths)
        self.limit = limit

    @abstractmethod
    def read_path(self, path: str) -> Iterator[Document]:
        """Yield every document of one input file, excluded ones included."""

    def excluded(self, doc_id: str, reason: str, path: str, text: str = "", **metadata) -> Document:
        """A document that the reader itself excludes (unparseable record, passed-over page)."""
        return excluded_document(self.name, doc_id, reason, path, text, **metadata)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        count = 0
        mine = self.paths[rank::world_size]
        bar = progress_bar(mine, f"{self.name} [task {rank}]", enabled=rank == 0)
        for path in mine:
            self.stat_update("input_files")
            problem = input_problem(path, self.reads_directories)
            if problem:
                self.stat_update("documents_in")
                yield self.excluded(f"{path}#{problem}", problem, path)
                continue
            try:
                for document in self.read_path(path):
                    self.stat_update("documents_in")
                    yield document
                    count += 1
                    if 0 < self.limit <= count:
                        return
            except Exception as err:  # noqa: BLE001 - one bad file must not end the task
                # the file itself is unreadable (not a recoverable record): count it as one
                # excluded document so the loss is visible in the report, and log why
                logger.warning(f"{self.name}: cannot read {path}: {type(err).__name__}: {err}")
                logger.opt(exception=err).debug(f"{self.name}: traceback for {path}")  # task log only
                self.stat_update("documents_in")
                yield self.excluded(f"{path}#unreadable", f"unreadable_file:{type(err).__name__}", path, str(err)[:500])
            if bar is not None:
                bar.update(_size(path))
        if bar is not None:
            bar.close()
