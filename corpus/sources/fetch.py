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

from corpus.config import ConfigError, load_yaml, validate
from corpus.sources.download import DownloadError, Policy
from corpus.readers.inputs import resolve_inputs
from corpus.sources.manifest import SourceManifest, sha256_problems
from corpus.sources.remote_sources import acquire


def fetch_manifest(manifest_path: str | Path, out_dir: str | Path, policy: Policy, stream: bool = False,
                   say=print, allow_file_urls: bool = False) -> dict:
    """Acquire every source of a manifest under `out_dir`; a manifest is someone else's input.

    Everything the manifest says is checked before anything is written: source names and
    file names are single path components (nothing lands outside `out_dir`), git URLs are
    network URLs with full commit hashes, and URLs that read this machine's own files
    (file://) are refused unless the operator passes `allow_file_urls`. A local source's
    `sha256:` entries are checked against its files.
    """
    manifest_path, out_dir = Path(manifest_path), Path(out_dir)
    data, lines = load_yaml(manifest_path)
    manifest: SourceManifest = validate(SourceManifest, data, manifest_path, lines)
    for i, source in enumerate(manifest.sources):
        local = source.remote.local_urls() if source.remote else []
        if local and not allow_file_urls:
            raise ConfigError(f"{manifest_path}:{lines.get(('sources', i), '')}: sources[{i}].remote: {local[0]}: "
                              "local files are fetched only with --allow-file-urls")
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"{out_dir}: --output is a file, not a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    local_sources, records = [], {}
    for source in manifest.sources:
        entry = source.model_dump(mode="json", exclude_none=True, exclude={"remote"})
        if source.remote is None:
            base = manifest_path.resolve().parent
            entry["paths"] = resolve_inputs(source.paths, base=base)
            if problems := sha256_problems(source, entry["paths"], base):
                raise DownloadError(f"{source.name}: {problems[0]}")
        else:
            remote = source.remote.model_copy(update={"mode": "stream"}) if stream else source.remote
            started = time.time()
            say(f"[fetch] {source.name}: acquiring into {out_dir / source.name}")
            paths, fetched = acquire(source.name, remote, out_dir, policy, allow_file_urls=allow_file_urls)
            entry["paths"] = paths
            # what was verified here is checked again by `jacorpus run` before it reads the files
            entry["sha256"] = {**source.sha256, **{Path(r["path"]).name: r["sha256"] for r in fetched if r.get("sha256")}}
            if not entry["sha256"]:
                entry.pop("sha256")
            records[source.name] = {"seconds": round(time.time() - started, 3), "files": fetched}
            say(f"[fetch] {source.name}: {len(paths)} file(s), "
                f"{sum(r.get('bytes', 0) for r in fetched):,} bytes")
        local_sources.append(entry)
    (out_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": local_sources}, allow_unicode=True, sort_keys=False))
    report = {"manifest": str(manifest_path.resolve()), "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
              "sources": records}
    (out_dir / "fetch.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return report
