"""Run the real `jacorpus` CLI, paused in the middle of writing, so a test can SIGKILL it there.

    python benchmarks/harness/stage_pause.py READY_FILE RANK -- ingest web -i ... -o ...

Nothing in the stage is replaced: the shard writers (`ShardWriter.write`, kept and excluded)
and the token writer (`_SourceFile.write`) do their work, and only then, at the first
document task RANK writes, this process touches READY_FILE and sleeps. A `.partial` shard (or a `.bin` with no
`.idx`) is open on disk with data in it: the worst moment for a kill.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def install(ready: Path, rank: int) -> None:
    from corpus.formats.shards import ShardWriter
    from tokenizer.token_shards import _SourceFile

    def pause() -> None:
        ready.touch()
        time.sleep(3600)

    write_shard = ShardWriter.write

    def paused_shard_write(self, document, rank_: int = 0, **kwargs):
        write_shard(self, document, rank_, **kwargs)
        if rank_ == rank:
            pause()

    write_tokens = _SourceFile.write

    def paused_token_write(self, doc, tokens):
        write_tokens(self, doc, tokens)
        if self.prefix.name == f"{rank:05d}":  # the .bin is open, its .idx not written yet
            pause()

    ShardWriter.write = paused_shard_write
    _SourceFile.write = paused_token_write


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    ready_file, task, sep, *argv = sys.argv[1:]
    assert sep == "--", "usage: stage_pause.py READY RANK -- CLI ARGS"
    install(Path(ready_file), int(task))
    from corpus.cli import main

    sys.exit(main(argv))
