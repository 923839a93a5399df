"""`jacorpus run`: checksums checked, stale stages refused before the manifest changes, one run at a time."""

from __future__ import annotations

import hashlib
import json
import socket
import sys
from pathlib import Path

from corpus.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_run_lock import hold  # noqa: E402
from test_stage_dir import one_error_line  # noqa: E402

from benchmarks.evalsets.bad_inputs import licensed_tree  # noqa: E402

ONLY_INGEST = ("stages:\n" + "".join(f"  {s}: {{enabled: false}}\n"
                                     for s in ("filter", "dedup", "tokenizer", "tokenize", "train")))


def setup(tmp_path: Path, sha256: dict[str, str] | None = None) -> tuple[Path, Path]:
    tree = licensed_tree(tmp_path)
    manifest = f"sources:\n  - name: c\n    kind: code\n    paths: [{tree}]\n"
    if sha256:
        manifest += "    sha256:\n" + "".join(f"      {k}: {v}\n" for k, v in sha256.items())
    (tmp_path / "m.yaml").write_text(manifest)
    config = tmp_path / "pipe.yaml"
    config.write_text(f"run_dir: {tmp_path / 'RUN'}\nsources: [m.yaml]\n{ONLY_INGEST}")
    return config, tree


def test_a_source_file_that_does_not_match_its_manifest_sha256_stops_the_run(tmp_path, capsys):
    good = hashlib.sha256(b"def main():\n    return 1\n").hexdigest()
    config, _ = setup(tmp_path, {"main.py": good})
    assert main(["run", str(config), "-q"]) == 0
    config, _ = setup(tmp_path / "2", {"main.py": "ab" * 32})
    assert main(["run", str(config), "-q"]) == 2
    assert "main.py: sha256 mismatch" in one_error_line(capsys)
    assert not (tmp_path / "2" / "RUN").exists()


def test_a_stale_stage_stops_the_run_before_the_manifest_records_anything(tmp_path, capsys):
    config, tree = setup(tmp_path)
    assert main(["run", str(config), "-q"]) == 0
    manifest = (tmp_path / "RUN" / "manifest.json").read_bytes()
    (tree / "new.py").write_text("x = 1\n")
    assert main(["run", str(config), "-q"]) == 2
    line = one_error_line(capsys)
    assert "ingest_code" in line and "1 input file(s) added (new.py)" in line and "--force" in line
    assert (tmp_path / "RUN" / "manifest.json").read_bytes() == manifest
    assert main(["run", str(config), "-q", "--force"]) == 0
    assert str(tree / "new.py") in (tmp_path / "RUN" / "manifest.json").read_text()


def test_a_second_run_of_the_same_run_directory_is_refused(tmp_path, capsys):
    config, _ = setup(tmp_path)
    holder = hold(tmp_path / "RUN", "run")
    try:
        assert main(["run", str(config), "-q"]) == 2
        assert f"in use by pid {holder.pid} on {socket.gethostname()}" in one_error_line(capsys)
    finally:
        holder.kill()
        holder.wait()


def test_a_fifo_among_the_sources_is_neither_hashed_nor_waited_for(tmp_path):
    import os
    import threading

    config, tree = setup(tmp_path)
    os.mkfifo(tree / "pipe.py")
    result: list[int] = []
    runner = threading.Thread(target=lambda: result.append(main(["run", str(config), "-q"])), daemon=True)
    runner.start()
    runner.join(timeout=120)
    assert result == [0], "the run blocked on the FIFO (or failed)"
    manifest = json.loads((tmp_path / "RUN" / "manifest.json").read_text())
    assert manifest["inputs"][str(tree / "pipe.py")] == {"source": "c", "not_a_file": True}
