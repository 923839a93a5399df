"""`jacorpus fetch MANIFEST -o DIR`: acquire a manifest's remote sources.

Writes the files under DIR/<source>/, a record of what was fetched (URL, bytes, sha256,
seconds) in DIR/fetch.json, and DIR/sources.yaml: the same manifest with local paths (or
URLs, in stream mode), ready for a pipeline YAML's `sources:`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import yaml

from corpus.config import load_yaml, validate
from corpus.download import Policy
from corpus.inputs import resolve_inputs
from corpus.manifest import SourceManifest
from corpus.remote_sources import acquire


def fetch_manifest(manifest_path: str | Path, out_dir: str | Path, policy: Policy, stream: bool = False,
                   say=print) -> dict:
    manifest_path, out_dir = Path(manifest_path), Path(out_dir)
    data, lines = load_yaml(manifest_path)
    manifest: SourceManifest = validate(SourceManifest, data, manifest_path, lines)
    out_dir.mkdir(parents=True, exist_ok=True)
    local_sources, records = [], {}
    for source in manifest.sources:
        entry = source.model_dump(mode="json", exclude_none=True, exclude={"remote"})
        if source.remote is None:
            entry["paths"] = resolve_inputs(source.paths, base=manifest_path.resolve().parent)
        else:
            remote = source.remote.model_copy(update={"mode": "stream"}) if stream else source.remote
            started = time.time()
            say(f"[fetch] {source.name}: acquiring into {out_dir / source.name}")
            paths, fetched = acquire(source.name, remote, out_dir, policy)
            entry["paths"] = paths
            records[source.name] = {"seconds": round(time.time() - started, 3), "files": fetched}
            say(f"[fetch] {source.name}: {len(paths)} file(s), "
                f"{sum(r.get('bytes', 0) for r in fetched):,} bytes")
        local_sources.append(entry)
    (out_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": local_sources}, allow_unicode=True, sort_keys=False))
    report = {"manifest": str(manifest_path.resolve()), "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
              "sources": records}
    (out_dir / "fetch.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return report
