"""Kill point for the Ray worker-kill test, loaded by every Python process of one Ray node
(its `ray start` has this folder on PYTHONPATH and JACORPUS_PAUSE_DIR set).

Nothing in the stage is replaced: the shard writer does its work, and only then, at the
first document a task of the stage named in `$JACORPUS_PAUSE_DIR/arm` writes, the task
process writes its pid and its parent's (the Ray worker) to `ready` and sleeps, with a
`.partial` shard open. Only the first such write pauses: the retry runs through.
"""

import os
from pathlib import Path

PAUSE_DIR = os.environ.get("JACORPUS_PAUSE_DIR")


def _install(folder: Path) -> None:
    import time

    from corpus.formats.shards import ShardWriter

    write = ShardWriter.write

    def paused_write(self, document, rank: int = 0, **kwargs):
        write(self, document, rank, **kwargs)
        arm, ready = folder / "arm", folder / "ready"
        if arm.exists() and not ready.exists() and f"/{arm.read_text().strip()}/" in f"{self.output_folder.path}/":
            tmp = folder / "ready.tmp"
            tmp.write_text(f"{os.getpid()} {os.getppid()}")
            tmp.replace(ready)
            time.sleep(3600)

    ShardWriter.write = paused_write


if PAUSE_DIR:
    try:
        _install(Path(PAUSE_DIR))
    except ImportError:  # a Ray helper process without the project on its path
        pass
