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

from corpus.sources.download import DownloadError, Policy, Target, fetch_one
from corpus.sources.fetch import fetch_manifest

from benchmarks.evalsets import bad_inputs as bad
from benchmarks.harness.loopback_http import LoopbackServer  # noqa: E402

FAST = Policy(retries=4, backoff_s=0.01, connect_timeout_s=2, read_timeout_s=2, concurrency=2)


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
    repo, commit = bad.git_repo(tmp_path)
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
    fetch_manifest(manifest, out, FAST, say=lambda _m: None, allow_file_urls=True)
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
    fetch_manifest(manifest, streamed, FAST, stream=True, say=lambda _m: None, allow_file_urls=True)
    cc_stream = next(s for s in yaml.safe_load((streamed / "sources.yaml").read_text())["sources"] if s["name"] == "cc")
    assert cc_stream["paths"] == [server.url + w for w in warcs[1:3]]


def test_remote_source_without_fetch_is_a_clear_config_error(tmp_path):
    from corpus.config import ConfigError
    from corpus.sources.manifest import load_source_manifest

    manifest = tmp_path / "m.yaml"
    manifest.write_text("sources:\n  - name: cc\n    kind: web\n    remote:\n      commoncrawl: {crawl: X, count: 1}\n")
    with pytest.raises(ConfigError, match="run `jacorpus fetch"):
        load_source_manifest(manifest, tmp_path)


# -- a manifest is hostile input: it must never run a command nor write outside -o ----------------


def _manifest(tmp_path: Path, sources: list[dict]) -> Path:
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump({"sources": sources}))
    return path


def _fetch_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    root = Path(__file__).resolve().parent.parent
    return subprocess.run([sys.executable, "-m", "corpus.cli", "fetch", *args], cwd=cwd, capture_output=True,
                          text=True, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, timeout=120)


@pytest.mark.parametrize("url, commit", [
    ("--upload-pack=touch {pwned};", "{repo}"),               # the URL read as an option
    ("{repo}", "--upload-pack=touch {pwned};"),               # the commit read as an option
    ("ext::sh -c touch% {pwned}", "{commit}"),                # git's command-running transport
    ("{repo}", "{commit}"),                                   # a bare local path
])
def test_git_source_never_runs_a_command_from_the_manifest(tmp_path, url, commit):
    repo, head = bad.git_repo(tmp_path)
    pwned = tmp_path / "PWNED"
    fill = {"repo": str(repo), "pwned": str(pwned), "commit": head}
    manifest = _manifest(tmp_path, [{"name": "code", "kind": "code",
                                     "remote": {"git": [{"url": url.format(**fill), "commit": commit.format(**fill)}]}}])
    result = _fetch_cli([str(manifest), "-o", str(tmp_path / "out")], cwd=tmp_path)
    assert not pwned.exists()
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("jacorpus: error: ") and "git" in lines[0], result.stderr
    assert not (tmp_path / "out").exists()


def test_git_checkout_refuses_an_option_shaped_url_even_if_validation_is_bypassed(tmp_path):
    from corpus.sources.remote_sources import GitRepo, clone_at_commit

    repo, _ = bad.git_repo(tmp_path)
    pwned = tmp_path / "PWNED"
    hostile = GitRepo.model_construct(url=f"--upload-pack=touch {pwned};", commit=str(repo))
    with pytest.raises(DownloadError):
        clone_at_commit(hostile, tmp_path / "out")
    assert not pwned.exists()


def test_git_commit_must_be_a_full_hash_and_file_urls_only_when_asked(tmp_path):
    from corpus.config import ConfigError

    repo, head = bad.git_repo(tmp_path)
    short = _manifest(tmp_path, [{"name": "c", "kind": "code", "remote": {"git": [{"url": "https://example.invalid/r.git",
                                                                                    "commit": head[:12]}]}}])
    with pytest.raises(ConfigError, match="40 hex"):
        fetch_manifest(short, tmp_path / "o1", FAST, say=lambda _m: None)
    local = _manifest(tmp_path, [{"name": "c", "kind": "code", "remote": {"git": [{"url": f"file://{repo}", "commit": head}]}}])
    with pytest.raises(ConfigError, match="file://"):
        fetch_manifest(local, tmp_path / "o2", FAST, say=lambda _m: None)
    fetch_manifest(local, tmp_path / "o3", FAST, say=lambda _m: None, allow_file_urls=True)
    assert len(list((tmp_path / "o3" / "c").glob("*/LICENSE"))) == 1


@pytest.mark.parametrize("source", [
    {"name": "../../escaped", "kind": "web", "remote": {"files": [{"url": "URL/a.bin"}]}},
    {"name": "ABS/abs_escape", "kind": "web", "remote": {"files": [{"url": "URL/a.bin"}]}},
    {"name": "ok", "kind": "wiki", "remote": {"wikipedia": {"date": "20240101", "files": ["../../../escaped.bin"],
                                                           "checksums": None, "base_url": "URL"}}},
    {"name": "ok", "kind": "web", "remote": {"files": [{"url": "URL/.."}]}},
])
def test_fetch_never_writes_outside_the_output_directory(server, tmp_path, source):
    put(server, "a.bin", 100)
    put(server, "escaped.bin", 100)
    text = (json.dumps(source).replace("URL/", server.url).replace('"URL"', json.dumps(server.url))
            .replace("ABS/", str(tmp_path) + "/"))
    manifest = _manifest(tmp_path, [json.loads(text)])
    out = tmp_path / "deep" / "er" / "out"
    before = {p for p in tmp_path.rglob("*")}
    result = _fetch_cli([str(manifest), "-o", str(out)], cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1, result.stderr
    assert {p for p in tmp_path.rglob("*")} - before <= {tmp_path / "deep", tmp_path / "deep" / "er"}


def test_commoncrawl_listing_with_traversal_names_is_refused(server, tmp_path):
    listing = server.root / "crawl-data/CC-X/warc.paths.gz"
    listing.parent.mkdir(parents=True)
    listing.write_bytes(gzip.compress(b"crawl-data/CC-X/segments/..\n"))
    manifest = _manifest(tmp_path, [{"name": "cc", "kind": "web", "remote": {
        "commoncrawl": {"crawl": "CC-X", "count": 1, "base_url": server.url}}}])
    with pytest.raises(DownloadError, match="not a plain file name"):
        fetch_manifest(manifest, tmp_path / "out", FAST, say=lambda _m: None)


# -- verification: a file on disk is trusted only while it is the file that was verified ------------


@pytest.mark.parametrize("keep_mtime", [False, True])
def test_verified_file_overwritten_with_other_bytes_of_the_same_size_is_fetched_again(server, tmp_path, keep_mtime):
    import os

    data, digest = put(server, "v.bin", 4000)
    target = lambda: Target(server.url + "v.bin", tmp_path / "v.bin", checksums={"sha256": digest})  # noqa: E731
    fetch_one(target(), FAST)
    stat = (tmp_path / "v.bin").stat()
    (tmp_path / "v.bin").write_bytes(b"x" * 4000)
    if keep_mtime:  # `touch -r`: the ctime still moves, and the guard compares it too
        os.utime(tmp_path / "v.bin", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = fetch_one(target(), FAST)
    assert not again.skipped and again.sha256 == digest
    assert (tmp_path / "v.bin").read_bytes() == data and server.gets("v.bin") == 2


def test_untouched_verified_file_is_skipped_without_rehashing_once_its_record_is_settled(server, tmp_path):
    _, digest = put(server, "s.bin", 4000)
    target = lambda: Target(server.url + "s.bin", tmp_path / "s.bin", checksums={"sha256": digest})  # noqa: E731
    fetch_one(target(), FAST)
    side = tmp_path / "s.bin.verified.json"
    record = json.loads(side.read_text())
    record["checked_ns"] = record["mtime_ns"] + 10**10  # verified well after the file last changed
    side.write_text(json.dumps(record))
    again = fetch_one(target(), FAST)
    assert again.skipped and server.gets("s.bin") == 1
    assert json.loads(side.read_text()) == record  # not rehashed, so not rewritten


def test_verify_rehashes_a_file_whose_record_still_matches_its_size_and_times(server, tmp_path):
    data, _ = put(server, "u.bin", 4000)  # no published checksum: only our own record
    fetch_one(Target(server.url + "u.bin", tmp_path / "u.bin"), FAST)
    (tmp_path / "u.bin").write_bytes(b"y" * 4000)
    # a change the stat guard cannot see (a file system that keeps no ctime, a write through
    # mmap that never updated the mtime): the record matches the file's size and times
    stat = (tmp_path / "u.bin").stat()
    side = tmp_path / "u.bin.verified.json"
    record = json.loads(side.read_text())
    record.update(mtime_ns=stat.st_mtime_ns, ctime_ns=stat.st_ctime_ns, checked_ns=stat.st_mtime_ns + 10**10)
    side.write_text(json.dumps(record))
    assert fetch_one(Target(server.url + "u.bin", tmp_path / "u.bin"), FAST).skipped
    verify = Policy(**{**FAST.__dict__, "verify": True})
    checked = fetch_one(Target(server.url + "u.bin", tmp_path / "u.bin"), verify)
    assert not checked.skipped and (tmp_path / "u.bin").read_bytes() == data


def test_local_source_sha256_in_the_manifest_is_checked(tmp_path):
    (tmp_path / "a.txt").write_text("hello\n")
    good = hashlib.sha256(b"hello\n").hexdigest()
    ok = _manifest(tmp_path, [{"name": "loc", "kind": "code", "paths": ["a.txt"], "sha256": {"a.txt": good}}])
    fetch_manifest(ok, tmp_path / "o1", FAST, say=lambda _m: None)
    bad = _manifest(tmp_path, [{"name": "loc", "kind": "code", "paths": ["a.txt"], "sha256": {"a.txt": "0" * 64}}])
    with pytest.raises(DownloadError, match=r"a\.txt: sha256 mismatch"):
        fetch_manifest(bad, tmp_path / "o2", FAST, say=lambda _m: None)
    missing = _manifest(tmp_path, [{"name": "loc", "kind": "code", "paths": ["a.txt"], "sha256": {"b.txt": good}}])
    with pytest.raises(DownloadError, match=r"b\.txt: listed in sha256 but not among the source's files"):
        fetch_manifest(missing, tmp_path / "o3", FAST, say=lambda _m: None)
