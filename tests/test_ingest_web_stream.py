"""ingest_web reading WARCs straight from a URL (`jacorpus fetch --stream`), against a loopback
HTTP server (127.0.0.1 only) that can ignore Range requests or drop the connection."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corpus.formats.schema import row_to_document
from data_manifests.demo import web as demo_web
from filters.web.warc_reader import WarcReader
from filters.web.warc_stream import HttpStream, RemoteReadError, RewindableStream


ROOT = Path(__file__).resolve().parent.parent


def demo_warc(folder: Path) -> Path:
    return demo_web.make(folder)[0]


def corrupt_copy(data: bytes) -> bytes:
    """The demo WARC with a false gzip member and garbage in the middle (as in test_ingest_web)."""
    return data[:3000] + b"\x1f\x8b\x08" + b"\xee" * 500 + data[3000:]


def read_all(path: str, **kwargs):
    reader = WarcReader([path], **kwargs)
    docs = list(reader.run())
    return docs, {k: v.total for k, v in reader.stats.stats.items()}


def comparable(docs) -> list[tuple]:
    """What a document is, leaving out where it was read from (a path or a URL)."""
    return sorted((d.id, d.text, d.metadata.get("reason"), d.metadata.get("url"), d.metadata.get("charset"))
                  for d in docs)


def test_ingest_web_cli_reads_a_warc_url_into_the_same_shards_as_the_local_file(tmp_path, server):
    local = demo_warc(server.root)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JACORPUS_QUIET": "1"}

    def ingest(source: str, out: Path) -> tuple[dict, list, list]:
        done = subprocess.run([sys.executable, "-m", "corpus.cli", "ingest", "web", "--input", source,
                               "--output", str(out), "--quiet"], check=False, cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        shards = [row_to_document(r) for p in sorted((out / "shards").glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
        excluded = [row_to_document(r) for p in sorted((out / "excluded").glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
        return json.loads((out / "report.json").read_text()), shards, excluded

    url = server.url + local.name
    streamed = ingest(url, tmp_path / "from_url")
    from_file = ingest(str(local), tmp_path / "from_file")
    assert streamed[0]["documents"] == from_file[0]["documents"] == {"in": 10, "kept": 9, "excluded": 1}
    assert streamed[0]["excluded_by_reason"] == from_file[0]["excluded_by_reason"]
    assert comparable(streamed[1]) == comparable(from_file[1])
    assert comparable(streamed[2]) == comparable(from_file[2])
    assert {d.metadata["path"] for d in streamed[1]} == {url}
    # streamed, not downloaded: nothing but the run's own output was written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["from_file", "from_url", "served"]
    assert all(name == local.name for _, name, _ in server.requests)


def test_a_server_that_ignores_range_requests_is_read_in_one_get(server):
    local = demo_warc(server.root)
    server.faults[local.name] = {"norange"}
    docs, _ = read_all(server.url + local.name)
    assert comparable(docs) == comparable(read_all(str(local))[0])
    assert [(method, rng) for method, _, rng in server.requests] == [("GET", None)]


def test_a_corrupt_block_in_a_streamed_warc_is_resynchronised_like_a_local_one(server):
    local = server.root / "corrupt.warc.gz"
    local.write_bytes(corrupt_copy(demo_warc(server.root / "src").read_bytes()))
    server.faults[local.name] = {"norange"}  # stepping back happens in memory, not with Range
    streamed, stats = read_all(server.url + local.name)
    from_file, file_stats = read_all(str(local))
    assert comparable(streamed) == comparable(from_file)
    assert stats["resync"] == file_stats["resync"] >= 1
    assert sum(d.metadata.get("reason") == "corrupt_record" for d in streamed) >= 1


def test_a_dropped_connection_resumes_with_a_range_request(server):
    local = demo_warc(server.root)
    server.faults[local.name] = {"drop"}
    docs, _ = read_all(server.url + local.name)
    assert comparable(docs) == comparable(read_all(str(local))[0])
    ranges = [rng for method, _, rng in server.requests if method == "GET"]
    assert ranges[0] is None and ranges[1] == f"bytes={local.stat().st_size // 2}-"


def test_a_dropped_connection_without_range_support_keeps_what_was_read_and_counts_the_file(server):
    big = server.root / "big.warc.gz"  # 200 copies of the demo WARC, ~3 MB: several network chunks
    big.write_bytes(demo_warc(server.root / "src").read_bytes() * 200)
    server.faults[big.name] = {"drop", "norange"}
    docs, stats = read_all(server.url + big.name)
    unreadable = [d for d in docs if d.metadata.get("reason", "").startswith("unreadable_file")]
    assert [d.metadata["reason"] for d in unreadable] == ["unreadable_file:RemoteReadError"]
    assert "does not resume" in unreadable[0].text
    read_before = len(docs) - 1
    assert 10 * 50 <= read_before < 10 * 200 and stats["documents_in"] == len(docs)


def test_a_missing_url_is_one_unreadable_file_not_a_crash(server):
    docs, _ = read_all(server.url + "missing.warc.gz")
    assert [d.metadata["reason"] for d in docs] == ["unreadable_file:RemoteReadError"]
    assert "HTTP 404" in docs[0].text


def test_http_stream_names_the_url_it_cannot_reach():
    with socket.socket() as s:  # a loopback port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RemoteReadError, match=f"127.0.0.1:{port}"):
        HttpStream(f"http://127.0.0.1:{port}/x.warc.gz", connect_timeout_s=2, read_timeout_s=2)


def test_rewindable_stream_steps_back_within_its_window_only():
    data = bytes(range(256)) * 64  # 16 KiB
    stream = RewindableStream(io.BytesIO(data), window=4096)
    assert stream.read(10) == data[:10] and stream.tell() == 10
    stream.seek(2)
    assert stream.read(4) == data[2:6]
    stream.seek(12_000)  # forward: read and discarded
    assert stream.read(100) == data[12_000:12_100]
    assert b"".join(stream.read(1000) for _ in range(5)) == data[12_100:]
    assert stream.read(10) == b"" and stream.tell() == len(data)
    earliest = stream.earliest
    assert len(data) - 2 * 4096 <= earliest <= len(data) - 4096  # at least the window is kept
    stream.seek(earliest)
    assert stream.read(4) == data[earliest:earliest + 4]
    with pytest.raises(io.UnsupportedOperation):
        stream.seek(earliest - 1)
