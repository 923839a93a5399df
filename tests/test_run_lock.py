"""One run per directory: a second run refuses with one line naming the holder; stale locks are taken over."""

from __future__ import annotations

import errno
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus.cli import main
from corpus.run.run_lock import DirectoryLock, LockedError
from corpus.run.stage import run_stage
from corpus.run.stage_dir import claim

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_stage_dir import one_error_line  # noqa: E402

from benchmarks.evalsets.bad_inputs import licensed_tree  # noqa: E402
from test_stage_runner import STAGE, ctx_for, inputs  # noqa: E402,F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent

HOLDER = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from corpus.run.run_lock import DirectoryLock
from corpus.run.stage_dir import claim
claim(Path(sys.argv[1]), sys.argv[2])
with DirectoryLock(sys.argv[1], "jacorpus " + sys.argv[2]):
    Path(sys.argv[1], "held").touch()
    time.sleep(60)
"""


def hold(directory: Path, stage: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=str(ROOT)), str(directory), stage])
    deadline = time.time() + 30
    while not (directory / "held").exists():
        assert time.time() < deadline and proc.poll() is None, "the holder never took the lock"
        time.sleep(0.02)
    (directory / "held").unlink()
    return proc


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_second_run_on_a_locked_stage_directory_is_refused_with_one_line(tmp_path, capsys):
    tree = licensed_tree(tmp_path)
    out = tmp_path / "out"
    holder = hold(out, "ingest_code")
    try:
        assert main(["ingest", "code", "-i", str(tree), "-o", str(out), "-q"]) == 2
        line = one_error_line(capsys)
        assert f"in use by pid {holder.pid} on {socket.gethostname()}" in line and "jacorpus ingest_code" in line
        assert not (out / "report.json").exists()
    finally:
        holder.kill()
        holder.wait()
    assert main(["ingest", "code", "-i", str(tree), "-o", str(out), "-q"]) == 0  # the kernel freed the lock


def test_a_stale_lock_of_a_dead_process_on_this_host_is_taken_over(tmp_path, inputs):  # noqa: F811
    out = tmp_path / "out"
    claim(out, "lines")
    (out / ".jacorpus" / "lock").write_text(json.dumps({"pid": dead_pid(), "host": socket.gethostname()}))
    assert run_stage(STAGE, ctx_for(tmp_path, inputs))["documents"]["in"] == 12
    assert (out / ".jacorpus" / "lock").read_text() == ""  # released cleanly


def test_a_lock_left_by_another_host_is_refused_naming_the_file_to_delete(tmp_path, inputs):  # noqa: F811
    out = tmp_path / "out"
    claim(out, "lines")
    (out / ".jacorpus" / "lock").write_text(json.dumps({"pid": 4242, "host": "node-17", "started": "yesterday"}))
    with pytest.raises(LockedError, match=r"pid 4242 on node-17 since yesterday.*if that run is gone, delete .*lock"):
        run_stage(STAGE, ctx_for(tmp_path, inputs))


def test_without_flock_the_recorded_pid_decides(tmp_path, monkeypatch):
    """Some network file systems have no flock: then a live holder on this host is refused, a dead one replaced."""
    import fcntl

    def no_flock(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_flock)
    lock_file = tmp_path / ".jacorpus" / "lock"
    lock_file.parent.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock_file.write_text(json.dumps({"pid": sleeper.pid, "host": socket.gethostname()}))
        with pytest.raises(LockedError, match=f"pid {sleeper.pid}"):
            DirectoryLock(tmp_path, "test").acquire()
    finally:
        sleeper.kill()
        sleeper.wait()
    lock_file.write_text(json.dumps({"pid": dead_pid(), "host": socket.gethostname()}))
    with DirectoryLock(tmp_path, "test"):
        assert json.loads(lock_file.read_text())["pid"] != sleeper.pid
