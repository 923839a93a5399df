"""File names that are not UTF-8: tar members written in cp932, zip members without the
UTF-8 flag, local files named with arbitrary bytes. Ingest decodes them (UTF-8, then
cp932), writes an escaped form when neither fits, and never crashes on them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.evalsets import bad_inputs as bad
import pyarrow.parquet as pq
import pytest

from corpus.readers.file_names import decode_name, display_name
from filters.code.file_names import zip_member_name

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("raw, name, encoding", [
    ("pkg/日本語.py".encode(), "pkg/日本語.py", "utf-8"),
    ("pkg/日本語.py".encode("cp932"), "pkg/日本語.py", "cp932"),
    (b"bad\xffname.py", "bad\\xffname.py", "escaped"),
])
def test_names_decode_as_utf8_then_cp932_then_escaped(raw, name, encoding):
    assert decode_name(raw) == (name, encoding)


def test_display_name_of_a_surrogate_escaped_path_is_writable_utf8():
    shown, encoding = display_name(os.fsdecode("日本.py".encode("cp932")))
    assert (shown, encoding) == ("日本.py", "cp932")
    shown, encoding = display_name(os.fsdecode(b"bad\xffname.py"))
    assert shown.encode("utf-8") and encoding == "escaped"


def test_zip_name_follows_its_utf8_flag(tmp_path):
    import zipfile

    path = bad.cp932_named_zip(tmp_path / "a.zip")
    with zipfile.ZipFile(path) as zf:
        names = [zip_member_name(info) for info in zf.infolist()]
    assert names == [("sjis_zip/LICENSE", "utf-8"), (f"sjis_zip/{bad.JA_NAME}", "cp932")]


def test_ingest_code_reads_foreign_named_files_and_records_their_names(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    bad.cp932_named_tar(folder / "sjis_names.tar.gz")
    bad.cp932_named_zip(folder / "sjis_zip.zip")
    bad.non_utf8_named_tree(folder / "names")
    env = {**os.environ, "JACORPUS_QUIET": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "corpus.cli", "ingest", "code", "--input", str(folder),
                           "--output", str(tmp_path / "out"), "--quiet"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not list((tmp_path / "out").rglob("*.partial"))
    rows = {}
    for folder_name in ("shards", "excluded"):
        for shard in (tmp_path / "out" / folder_name).glob("*.parquet"):
            for row in pq.read_table(shard).to_pylist():
                rows[row["id"]] = (folder_name, row["metadata"]["path"], json.loads(row["metadata"]["extra"] or "{}"))
    for repo in ("sjis_names", "sjis_zip", "names"):
        where, path, extra = rows[f"code/{repo}/{bad.JA_NAME}"]
        assert (where, path, extra.get("path_encoding")) == ("shards", bad.JA_NAME, "cp932")
    where, path, extra = rows["code/names/bad\\xffname.py"]
    assert path == "bad\\xffname.py" and extra["path_encoding"] == "escaped"


@pytest.mark.parametrize("stage", ["web", "wiki"])
def test_web_and_wiki_inputs_named_with_undecodable_bytes_are_read(tmp_path, stage):
    folder = tmp_path / "in"
    folder.mkdir()
    if stage == "web":
        bad.write_warc_gz(Path(os.fsdecode(os.fsencode(folder) + b"/bad\xffname.warc.gz")), bad.good_records(0, 2))
    else:
        Path(os.fsdecode(os.fsencode(folder) + b"/bad\xffname.xml")).write_bytes(bad.wiki_dump(bad.good_wiki_pages(1, 2)))
    env = {**os.environ, "JACORPUS_QUIET": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "corpus.cli", "ingest", stage, "--input", str(folder),
                           "--output", str(tmp_path / "out"), "--quiet"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["documents"]["kept"] == 2
    paths = {row["metadata"]["path"] for shard in (tmp_path / "out" / "shards").glob("*.parquet")
             for row in pq.read_table(shard).to_pylist()}
    assert {p.rsplit("/", 1)[-1] for p in paths} == {f"bad\\xffname.{'warc.gz' if stage == 'web' else 'xml'}"}
