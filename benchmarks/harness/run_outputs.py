"""What two runs are compared on: every output file of a run directory, timings left out.

Determinism (tests/test_determinism.py), the kill-and-resume and scale-out tests, and the
reliability benchmark (benchmarks/reliability.py) all ask "did this run write the same as
that one?"; this is the one answer: `outputs(root)` maps each compared file to its bytes, or
to its JSON with the fields that measure time removed, and `differences` lists the files
that differ.
"""

from __future__ import annotations

import json
from pathlib import Path

VOLATILE = {"finished", "elapsed_s", "time_s", "seconds", "train_seconds", "throughput_mb_per_s", "tokens_per_s",
            "tokens_per_s_per_device", "ja_chars_per_s", "eta_s", "memory_gib", "created", "updated", "mtime"}
BOOKKEEPING_DIRS = {"logs", "stats", "completions"}
BOOKKEEPING_FILES = {"executor.json", "stats.json", ".metadata"}


def strip_volatile(value):
    if isinstance(value, dict):
        return {k: strip_volatile(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [strip_volatile(v) for v in value]
    return value


def without_pickle_hashes(manifest: dict) -> dict:
    """The checkpoint manifest records every file's sha256, the `.metadata` pickle's too; that
    pickle is the one file DCP does not write byte for byte the same, so its hash is dropped
    here and everything else the manifest says (steps, files, sizes, shard hashes) compared."""
    for entry in manifest.get("checkpoints", {}).values():
        meta = entry.get("files", {}).get(".metadata")
        if meta is not None:
            meta.pop("sha256", None)
            meta.pop("bytes", None)
    return manifest


def outputs(root: Path) -> dict[str, object]:
    """relative path -> bytes (or JSON without timings) of every compared output file."""
    out: dict[str, object] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root)
        if set(rel.parts[:-1]) & BOOKKEEPING_DIRS or path.name in BOOKKEEPING_FILES:
            continue
        if path.suffix == ".json":
            out[str(rel)] = strip_volatile(json.loads(path.read_text()))
            if rel.parts[-2:] == ("checkpoints", "manifest.json"):
                out[str(rel)] = without_pickle_hashes(out[str(rel)])
        elif path.suffix == ".jsonl":
            out[str(rel)] = [strip_volatile(json.loads(line)) for line in path.read_text().splitlines() if line]
        else:
            out[str(rel)] = path.read_bytes()
    return out


def differences(a: dict, b: dict) -> list[str]:
    return sorted({k for k in a.keys() | b.keys() if a.get(k) != b.get(k)})
