"""The WARC reader: every response is a document, every bad input a named reason, no crash."""

from __future__ import annotations

import bz2
import collections
import gzip
import os

from benchmarks.evalsets import bad_inputs as bad
import pytest

from filters.web.warc_reader import WarcReader

PAGE = "<html lang=ja><head><title>テスト</title></head><body><p>これは日本語のテストページです。</p></body></html>".encode()


def record(n: int, body: bytes = PAGE, *, rtype: bytes = b"response", nl: bytes = b"\r\n", version: bytes = b"WARC/1.0",
           date: bytes = b"2024-01-01T00:00:00Z", content_type: bytes = b"text/html; charset=utf-8",
           http_extra: bytes = b"", status: bytes = b"200 OK", warc_extra: bytes = b"") -> bytes:
    """One WARC record, written by hand so tests can break it in exactly one way."""
    http = b"HTTP/1.1 " + status + nl + b"Content-Type: " + content_type + nl + http_extra + nl if rtype != b"warcinfo" else b""
    block = http + body
    head = [
        version, b"WARC-Type: " + rtype, b"WARC-Record-ID: <urn:uuid:%08d-0000-0000-0000-000000000000>" % n,
        b"WARC-Date: " + date, b"WARC-Target-URI: http://example.jp/%d" % n,
        b"Content-Type: application/http; msgtype=" + (b"request" if rtype == b"request" else b"response"),
    ]
    if warc_extra:
        head.append(warc_extra)
    head.append(b"Content-Length: %d" % len(block))
    return nl.join(head) + nl + nl + block + nl + nl


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def gz_members(*records: bytes) -> bytes:
    return b"".join(gzip.compress(r, mtime=0) for r in records)


def read(path: str, **kwargs):
    reader = WarcReader([path], **kwargs)
    docs = list(reader.run())
    stats = {k: v.total for k, v in reader.stats.stats.items()}
    return docs, stats


def reasons(docs) -> collections.Counter:
    return collections.Counter(d.metadata.get("reason", "kept") for d in docs)


def test_only_responses_become_documents_and_other_types_are_counted(tmp_path):
    path = write(tmp_path, "a.warc.gz", gz_members(
        record(1, b"software: test\r\n", rtype=b"warcinfo"), record(2, b"", rtype=b"request"), record(3),
        record(4, b"fetchTimeMs: 5\r\n", rtype=b"metadata"),
    ))
    docs, stats = read(path)
    assert [d.id for d in docs] == ["web/urn:uuid:00000003-0000-0000-0000-000000000000"]
    assert stats["record_warcinfo"] == stats["record_request"] == stats["record_metadata"] == stats["record_response"] == 1
    meta = docs[0].metadata
    assert meta["url"] == "http://example.jp/3" and meta["date"] == "2024-01-01T00:00:00Z"
    assert (meta["source"], meta["dataset"], meta["charset"], meta["charset_source"]) == ("web", "cli", "utf-8", "http_header")
    assert "これは日本語のテストページです。" in docs[0].text


def test_dataset_comes_from_the_source_of_the_file(tmp_path):
    path = write(tmp_path, "a.warc.gz", gz_members(record(1)))
    docs, _ = read(path, datasets={path: "my_crawl"})
    assert docs[0].metadata["dataset"] == "my_crawl"


def test_empty_corrupt_and_non_warc_files_are_one_excluded_document_each(tmp_path):
    paths = [
        write(tmp_path, "empty.warc.gz", b""),
        write(tmp_path, "empty_member.warc.gz", gzip.compress(b"")),
        write(tmp_path, "text.warc", b"this is not a warc file\n" * 20),
        write(tmp_path, "text.warc.gz", gzip.compress(b"<html>not a warc</html>")),
        write(tmp_path, "png.warc", b"\x89PNG\r\n\x1a\n" + os.urandom(100)),
        write(tmp_path, "old.warc.bz2", bz2.compress(record(1))),
        write(tmp_path, "stub.warc.gz", gzip.compress(record(1))[:12]),
    ]
    reader = WarcReader(paths)
    docs = list(reader.run())
    assert [(os.path.basename(d.metadata["path"]), d.metadata["reason"]) for d in docs] == [
        ("empty.warc.gz", "empty_file"), ("empty_member.warc.gz", "empty_file"), ("old.warc.bz2", "unsupported_compression"), ("png.warc", "not_warc"),
        ("stub.warc.gz", "corrupt_file"), ("text.warc", "not_warc"), ("text.warc.gz", "not_warc"),
    ]
    assert all(d.metadata["excluded_by"] == "warc_reader" for d in docs)


def test_truncated_last_record_is_excluded_and_earlier_ones_kept(tmp_path):
    data = gz_members(*(record(i) for i in range(4)))
    path = write(tmp_path, "cut.warc.gz", data[:-30])
    docs, _ = read(path)
    assert reasons(docs) == {"kept": 3, "truncated_record": 1}


def test_corrupt_gzip_member_costs_one_record_and_reading_resumes(tmp_path):
    data = gz_members(record(1), record(2)) + b"\x1f\x8b\x08garbage" + os.urandom(64) + gz_members(record(3), record(4))
    docs, stats = read(write(tmp_path, "bad.warc.gz", data))
    assert reasons(docs) == {"kept": 4, "corrupt_record": 1}
    assert [d.id[-2:] for d in docs if "reason" not in d.metadata] == ["00"] * 4
    assert sorted(d.metadata.get("url") for d in docs if "reason" not in d.metadata) == [
        f"http://example.jp/{i}" for i in range(1, 5)
    ]
    assert stats["resync"] == 1


@pytest.mark.parametrize("compressed", [False, True])
def test_content_length_overstated_past_the_end_of_the_file_loses_no_record(tmp_path, compressed):
    liar = record(2).replace(b"Content-Length: ", b"Content-Length: 9")  # claims ~10x its real size
    records = [record(1), liar, record(3), record(4)]
    data = gz_members(*records) if compressed else b"".join(records)
    docs, stats = read(write(tmp_path, "liar.warc.gz" if compressed else "liar.warc", data))
    assert [(d.metadata["url"], d.metadata.get("reason", "kept")) for d in docs] == [
        ("http://example.jp/1", "kept"), ("http://example.jp/2", "kept"),
        ("http://example.jp/3", "kept"), ("http://example.jp/4", "kept"),
    ]
    assert docs[1].text == docs[0].text and stats["content_length_overstated"] == 1


def test_garbage_between_plain_records_is_skipped(tmp_path):
    docs, _ = read(write(tmp_path, "g.warc", record(1) + b"GARBAGE\r\nmore\r\n\r\n" + record(2)))
    assert reasons(docs) == {"kept": 2}


def test_lf_only_header_lines_are_read(tmp_path):
    path = write(tmp_path, "lf.warc", record(1) + record(2, nl=b"\n") + record(3))
    docs, _ = read(path)
    assert reasons(docs) == {"kept": 3}
    assert all("日本語" in d.text for d in docs)


def test_bad_warc_date_is_counted_and_the_page_kept(tmp_path):
    docs, stats = read(write(tmp_path, "d.warc", record(1, date=b"yesterday") + record(2)))
    assert reasons(docs) == {"kept": 2}
    assert docs[0].metadata["date"] is None and docs[1].metadata["date"] == "2024-01-01T00:00:00Z"
    assert stats["bad_warc_date"] == 1


def test_content_encoding_gzip_on_a_plain_body_is_counted_and_read_as_is(tmp_path):
    path = write(tmp_path, "ce.warc", record(1, http_extra=b"Content-Encoding: gzip\r\n")
                 + record(2, gzip.compress(PAGE), http_extra=b"Content-Encoding: gzip\r\n"))
    docs, stats = read(path)
    assert reasons(docs) == {"kept": 2}
    assert docs[0].text == docs[1].text == PAGE.decode()
    assert stats["content_encoding_not_applied"] == 1


def test_binary_payload_labelled_html_is_excluded(tmp_path):
    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 16
    unknown_binary = b"<html>" + bytes(range(256)) * 16  # NUL and control bytes in the first KiB
    path = write(tmp_path, "b.warc", record(1, jpeg) + record(2, unknown_binary) + record(3))
    docs, _ = read(path)
    assert reasons(docs) == {"kept": 1, "binary_payload": 2}


def test_huge_page_is_excluded_without_reading_it(tmp_path):
    fifty_mb = b"<html><body>" + b"a" * (50 * 1024 * 1024) + b"</body></html>"
    path = write(tmp_path, "big.warc.gz", gz_members(record(1, fifty_mb), record(2)))
    docs, _ = read(path)
    assert reasons(docs) == {"kept": 1, "page_too_large": 1}
    assert docs[0].text == ""


def test_non_html_responses_are_excluded_with_their_decoded_text(tmp_path):
    feed = '<?xml version="1.0" encoding="EUC-JP"?><rss><title>日本語の記事</title></rss>'.encode("euc_jp")
    path = write(tmp_path, "f.warc", record(1, feed, content_type=b"application/xml") + record(2, b"%PDF-1.4 ...",
                                                                                           content_type=b"application/pdf"))
    docs, _ = read(path)
    assert reasons(docs) == {"not_html": 2}
    assert "日本語の記事" in docs[0].text and docs[0].metadata["charset"] == "euc-jp"
    assert docs[1].text == ""


def test_unlabelled_html_is_recognised_by_its_bytes(tmp_path):
    docs, _ = read(write(tmp_path, "u.warc", record(1, content_type=b"application/octet-stream")))
    assert reasons(docs) == {"kept": 1}


def test_error_status_is_excluded(tmp_path):
    docs, _ = read(write(tmp_path, "s.warc", record(1, b"", status=b"404 Not Found") + record(2)))
    assert reasons(docs) == {"kept": 1, "http_status_not_ok": 1}


def test_record_without_http_block_is_malformed_http(tmp_path):
    raw = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:x>\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n"
           b"Content-Length: 20\r\n\r\nno http headers here\r\n\r\n")
    docs, _ = read(write(tmp_path, "m.warc", raw + record(2)))
    assert reasons(docs) == {"kept": 1, "malformed_http": 1}


def test_older_warc_018_records_are_read(tmp_path):
    docs, _ = read(write(tmp_path, "old.warc", record(1, version=b"WARC/0.18") + record(2, version=b"WARC/0.18")))
    assert reasons(docs) == {"kept": 2}


def test_crawler_truncated_payload_is_kept_and_marked(tmp_path):
    docs, stats = read(write(tmp_path, "t.warc", record(1, warc_extra=b"WARC-Truncated: length")))
    assert reasons(docs) == {"kept": 1} and docs[0].metadata["warc_truncated"] == "length"
    assert stats["warc_truncated_by_crawler"] == 1


def test_common_crawl_sample_reads_all_16_responses(shared_data):
    docs, stats = read(str(shared_data / "web" / "cc-main-2020-34_sample_non-ja.warc.gz"))
    assert len(docs) == 16 and reasons(docs) == {"kept": 16}
    assert (stats["record_request"], stats["record_metadata"], stats["record_warcinfo"]) == (17, 16, 1)
    assert len({d.id for d in docs}) == 16


@pytest.mark.parametrize("cut", [0.25, 0.5, 0.9])
def test_real_warc_cut_anywhere_never_raises(shared_data, tmp_path, cut):
    data = (shared_data / "web" / "ja_fixture_pages_packed.warc.gz").read_bytes()
    docs, _ = read(write(tmp_path, "cut.warc.gz", data[: int(len(data) * cut)]))
    counts = reasons(docs)
    assert sum(counts.values()) >= 1
    assert set(counts) <= {"kept", "not_html", "truncated_record", "corrupt_record"}


# -- a Content-Length that overstates its block hides the records after it ------------------

REAL_WARC = "cc-main-2020-34_sample_non-ja.warc.gz"


def real_responses(shared_data, count: int = 4) -> list[bytes]:
    return [r for r in bad.warc_records(shared_data / "web" / REAL_WARC) if b"WARC-Type: response" in r[:300]][:count]


def outcome(docs) -> list[tuple[str, str, str]]:
    return [(d.id, d.metadata.get("reason", "kept"), d.text) for d in docs]


@pytest.mark.parametrize("gzipped", [True, False])
def test_record_swallowed_by_an_overstated_length_is_read_again_from_its_own_header(shared_data, tmp_path, gzipped):
    records = real_responses(shared_data)
    suffix = ".warc.gz" if gzipped else ".warc"
    clean, _ = read(write(tmp_path, f"clean{suffix}", gz_members(*records) if gzipped else b"".join(records)))
    liar, stats = read(str(bad.swallowing_warc(tmp_path / f"liar{suffix}", records, liar=1, gzipped=gzipped)))
    assert len(clean) == 4 and stats["record_response"] == 4
    assert outcome(liar) == outcome(clean)
    assert stats["content_length_overstated"] == 1
    assert liar[1].metadata["content_length_overstated"] is True


def test_request_record_that_overstates_its_length_hides_no_response(shared_data, tmp_path):
    records = bad.warc_records(shared_data / "web" / REAL_WARC)
    first_request = next(i for i, r in enumerate(records) if b"WARC-Type: request" in r[:300])
    docs, stats = read(str(bad.swallowing_warc(tmp_path / "liar.warc.gz", records, liar=first_request)))
    assert reasons(docs) == {"kept": 16} and len({d.id for d in docs}) == 16
    assert (stats["record_request"], stats["record_metadata"], stats["record_warcinfo"]) == (17, 16, 1)


def test_length_overstated_into_the_next_header_still_finds_that_record(shared_data, tmp_path):
    records = real_responses(shared_data)
    records[1] = bad.overstate_content_length(records[1], 4 + 30)  # ends inside record 3's header lines
    docs, stats = read(write(tmp_path, "liar.warc", b"".join(records)))
    assert [d.id for d in docs] == [d.id for d in read(write(tmp_path, "ok.warc", b"".join(real_responses(shared_data))))[0]]
    assert stats["record_response"] == 4


def test_page_too_large_by_a_lying_length_does_not_hide_the_records_after_it(tmp_path):
    records = [record(i) for i in range(5)]
    records[1] = bad.overstate_content_length(records[1], 10_000)  # far beyond the limit, swallows 2-4
    for name, data in (("liar.warc", b"".join(records)), ("liar.warc.gz", gz_members(*records))):
        docs, stats = read(write(tmp_path, name, data), max_payload_bytes=2000)
        assert [d.metadata["url"] for d in docs] == [f"http://example.jp/{i}" for i in range(5)], name
        assert reasons(docs) == {"kept": 4, "page_too_large": 1}, name


def test_single_gzip_stream_warc_counts_the_record_it_cannot_reach(tmp_path):
    records = [record(i) for i in range(4)]
    records[1] = bad.overstate_content_length(records[1], 4 + len(records[2]))
    docs, _ = read(write(tmp_path, "one_stream.warc.gz", gzip.compress(b"".join(records), mtime=0)))
    assert len(docs) == 4
    assert [d.metadata.get("reason", "kept") for d in docs].count("kept") >= 3


def test_warc_text_inside_a_real_payload_is_not_taken_for_a_hidden_record(tmp_path):
    quoted = PAGE + b"\r\n\r\nWARC/1.0\r\nWARC-Type: response\r\nContent-Length: 5\r\n\r\nhello\r\n\r\n<p>end</p>"
    docs, stats = read(write(tmp_path, "quoted.warc.gz", gz_members(record(1, quoted), record(2))))
    assert reasons(docs) == {"kept": 2} and docs[0].text.endswith("<p>end</p>")
    assert stats["warc_header_in_payload"] == 1 and "content_length_overstated" not in stats
