"""Acquisition against a loopback HTTP server that misbehaves on purpose (127.0.0.1 only)."""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from corpus.download import DownloadError, Policy, Target, fetch_one
from corpus.fetch import fetch_manifest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loopback_http import LoopbackServer  # noqa: E402

FAST = Policy(retries=4, backoff_s=0.01, connect_timeout_s=2, read_timeout_s=2, concurrency=2)


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    s = LoopbackServer(root)
    yield s
    s.close()


def put(server: LoopbackServer, name: str, size: int = 300_000) -> tuple[bytes, str]:
    data = bytes((i * 7919) % 251 for i in range(size))
    path = server.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data, hashlib.sha256(data).hexdigest()


def test_dropped_connection_resumes_with_a_range_request(server, tmp_path):
    data, digest = put(server, "big.bin")
    server.faults["big.bin"] = {"drop"}
    got = fetch_one(Target(server.url + "big.bin", tmp_path / "out" / "big.bin", checksums={"sha256": digest}), FAST)
    assert Path(got.path).read_bytes() == data and got.attempts == 2
    ranges = [r for m, p, r in server.requests if m == "GET" and p == "big.bin"]
    assert ranges[0] is None and ranges[1].startswith("bytes=") and ranges[1] != "bytes=0-"


def test_503_is_retried_with_backoff(server, tmp_path):
    data, digest = put(server, "a.bin", 5000)
    server.faults["a.bin"] = {"503"}
    got = fetch_one(Target(server.url + "a.bin", tmp_path / "a.bin", checksums={"sha256": digest}), FAST)
    assert got.attempts == 3 and Path(got.path).read_bytes() == data


def test_server_ignoring_ranges_restarts_from_zero_and_ends_whole(server, tmp_path):
    data, digest = put(server, "n.bin")
    server.faults["n.bin"] = {"drop", "norange"}
    got = fetch_one(Target(server.url + "n.bin", tmp_path / "n.bin", checksums={"sha256": digest}), FAST)
    assert Path(got.path).read_bytes() == data


def test_corrupted_file_fails_clearly_and_leaves_nothing(server, tmp_path):
    _, digest = put(server, "c.bin", 4000)
    server.faults["c.bin"] = {"corrupt"}
    with pytest.raises(DownloadError, match=r"c\.bin: sha256 mismatch"):
        fetch_one(Target(server.url + "c.bin", tmp_path / "c.bin", checksums={"sha256": digest}), FAST)
    assert not list(tmp_path.glob("c.bin*"))


def test_verified_file_is_not_fetched_again(server, tmp_path):
    _, digest = put(server, "v.bin", 4000)
    target = lambda: Target(server.url + "v.bin", tmp_path / "v.bin", checksums={"sha256": digest})  # noqa: E731
    fetch_one(target(), FAST)
    again = fetch_one(target(), FAST)
    assert again.skipped and server.gets("v.bin") == 1


def test_unreachable_host_fails_fast_naming_the_url(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once we leave: nothing listens there
    url = f"http://127.0.0.1:{port}/x.warc.gz"
    with pytest.raises(DownloadError, match=rf"127\.0\.0\.1:{port}/x\.warc\.gz: failed after 2 attempts"):
        fetch_one(Target(url, tmp_path / "x"), Policy(retries=1, backoff_s=0.01, connect_timeout_s=1, read_timeout_s=1))


def test_manifest_fetch_commoncrawl_wikipedia_files_and_git(server, tmp_path):
    warcs = [f"crawl-data/CC-MAIN-TEST/segments/s/warc/part-{i}.warc.gz" for i in range(5)]
    for w in warcs:
        put(server, w, 2000)
    listing = server.root / "crawl-data/CC-MAIN-TEST/warc.paths.gz"
    listing.write_bytes(gzip.compress(("\n".join(warcs) + "\n").encode()))
    dump, _ = put(server, "jawiki/20240101/jawiki-20240101-pages-articles.xml.bz2", 3000)
    (server.root / "jawiki/20240101/jawiki-20240101-sha1sums.txt").write_text(
        f"{hashlib.sha1(dump).hexdigest()}  jawiki-20240101-pages-articles.xml.bz2\n")
    _, pq_digest = put(server, "datasets/code/train-00000.parquet", 1500)
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "LICENSE").write_text("MIT License\n")
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid",
                    "commit", "-qm", "init"], check=True)
    commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    manifest = tmp_path / "remote.yaml"
    manifest.write_text(yaml.safe_dump({"sources": [
        {"name": "cc", "kind": "web", "remote": {"commoncrawl": {"crawl": "CC-MAIN-TEST", "index_range": [1, 3],
                                                                 "base_url": server.url}}},
        {"name": "wiki", "kind": "wiki", "licence": "CC-BY-SA-4.0",
         "remote": {"wikipedia": {"date": "20240101", "files": ["{wiki}-{date}-pages-articles.xml.bz2"],
                                  "base_url": server.url}}},
        {"name": "code", "kind": "code", "remote": {"git": [{"url": f"file://{repo}", "commit": commit}],
                                                    "files": [{"url": server.url + "datasets/code/train-00000.parquet",
                                                               "sha256": pq_digest}]}},
    ]}))
    out = tmp_path / "fetched"
    fetch_manifest(manifest, out, FAST, say=lambda _m: None)
    local = yaml.safe_load((out / "sources.yaml").read_text())["sources"]
    cc = next(s for s in local if s["name"] == "cc")
    assert [Path(p).name for p in cc["paths"]] == ["part-1.warc.gz", "part-2.warc.gz"]
    record = json.loads((out / "fetch.json").read_text())
    files = record["sources"]["cc"]["files"]
    assert all(len(f["sha256"]) == 64 and f["bytes"] == 2000 for f in files)
    wiki = next(s for s in local if s["name"] == "wiki")
    assert Path(wiki["paths"][0]).read_bytes() == dump and wiki["licence"] == "CC-BY-SA-4.0"
    code = next(s for s in local if s["name"] == "code")
    assert any((Path(p) / "LICENSE").is_file() for p in code["paths"])
    # stream mode lists the WARC URLs instead of downloading them
    streamed = tmp_path / "streamed"
    fetch_manifest(manifest, streamed, FAST, stream=True, say=lambda _m: None)
    cc_stream = next(s for s in yaml.safe_load((streamed / "sources.yaml").read_text())["sources"] if s["name"] == "cc")
    assert cc_stream["paths"] == [server.url + w for w in warcs[1:3]]


def test_remote_source_without_fetch_is_a_clear_config_error(tmp_path):
    from corpus.config import ConfigError
    from corpus.manifest import load_source_manifest

    manifest = tmp_path / "m.yaml"
    manifest.write_text("sources:\n  - name: cc\n    kind: web\n    remote:\n      commoncrawl: {crawl: X, count: 1}\n")
    with pytest.raises(ConfigError, match="run `jacorpus fetch"):
        load_source_manifest(manifest, tmp_path)
