"""corpus.formats.megatron_format: the documented .bin/.idx layout, read back from datatrove's writer,
written byte for byte as datatrove writes it, and importable without datatrove."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from datatrove.pipeline.tokens.megatron_tokenizer import MegatronTokenizedFile

from corpus.formats.megatron_format import (
    MAGIC,
    TokenShard,
    count,
    dtype_for_vocab,
    read_index,
    shard_prefixes,
    source_name,
    write_token_shard,
)

ROOT = Path(__file__).resolve().parent.parent
DOCS = [[1, 500, 501, 2], [1, 7, 2], [1, 65000, 3, 3, 3, 2]]


def _write(folder, name: str, docs, token_size: int = 2):
    f = MegatronTokenizedFile(str(folder), name, token_size=token_size)
    for tokens in docs:
        f.write(tokens)
    f.close()
    return folder / name


def test_index_reads_back_sizes_pointers_and_document_index(tmp_path):
    prefix = _write(tmp_path, "00000", DOCS)
    sizes, pointers, doc_idx, dtype = read_index(prefix)
    assert dtype == np.uint16
    assert sizes.tolist() == [4, 3, 6]
    assert pointers.tolist() == [0, 8, 14]  # byte offsets: 2 bytes per token
    assert doc_idx.tolist() == [0, 1, 2, 3]
    shard = TokenShard(prefix)
    assert [shard.document(i).tolist() for i in range(3)] == DOCS
    assert count(prefix) == (3, 13)
    assert shard.tokens.size == shard.n_tokens == 13


def test_header_bytes_are_the_documented_layout(tmp_path):
    prefix = _write(tmp_path, "00000", DOCS)
    raw = (tmp_path / "00000.idx").read_bytes()
    assert raw[:9] == MAGIC
    assert struct.unpack("<QBQQ", raw[9:34]) == (1, 8, 3, 4)
    assert len(raw) == 34 + 4 * 3 + 8 * 3 + 8 * 4
    assert (tmp_path / "00000.bin").stat().st_size == 13 * 2
    assert prefix.name == "00000"


def test_large_vocabularies_use_int32_tokens(tmp_path):
    assert dtype_for_vocab(65536) == (2, np.uint16)
    assert dtype_for_vocab(100_000) == (4, np.int32)
    prefix = _write(tmp_path, "big", [[1, 99_999, 2]], token_size=4)
    _, pointers, _, dtype = read_index(prefix)
    assert dtype == np.int32 and pointers.tolist() == [0]
    assert TokenShard(prefix).document(0).tolist() == [1, 99_999, 2]


def test_empty_dataset_reads_as_empty(tmp_path):
    prefix = _write(tmp_path, "empty", [])
    sizes, pointers, doc_idx, _ = read_index(prefix)
    assert len(sizes) == 0 and len(pointers) == 0 and doc_idx.tolist() == [0]
    assert count(prefix) == (0, 0)
    assert len(TokenShard(prefix)) == 0


def test_not_an_index_is_refused(tmp_path):
    (tmp_path / "x.idx").write_bytes(b"NOTMEGA\x00\x00" + b"\x00" * 40)
    with pytest.raises(ValueError, match="not a Megatron index"):
        read_index(tmp_path / "x")


def test_shard_prefixes_finds_every_pair_under_folders_files_and_prefixes(tmp_path):
    for source in ("web", "wiki"):
        (tmp_path / source).mkdir()
        _write(tmp_path / source, "00000", DOCS)
    (tmp_path / "web" / "orphan.idx").write_bytes(b"")  # no .bin: not a dataset
    found = shard_prefixes([tmp_path])
    assert [Path(p).relative_to(tmp_path).as_posix() for p in found] == ["web/00000", "wiki/00000"]
    assert shard_prefixes([tmp_path / "web" / "00000.idx", tmp_path / "wiki" / "00000"]) == found


def test_source_name_reads_both_naming_schemes():
    assert source_name("RUN/x/web_00003_tokens") == "web"
    assert source_name("RUN/tokenize/wiki/00000") == "wiki"
    assert source_name("RUN/tokenize/code/00001_tokens") == "code"


def test_index_that_disagrees_with_bin_is_refused(tmp_path):
    prefix = _write(tmp_path, "x", [[1, 2, 3], [4, 5]])
    with open(f"{prefix}.bin", "ab") as f:
        f.write(b"\0\0")
    with pytest.raises(ValueError, match="index says"):
        TokenShard(prefix)


def test_float_token_dtype_is_refused(tmp_path):
    prefix = _write(tmp_path, "x", [[1, 2]])
    raw = bytearray((tmp_path / "x.idx").read_bytes())
    raw[17] = 6  # float64
    (tmp_path / "x.idx").write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="not an integer type"):
        TokenShard(prefix)


@pytest.mark.parametrize("vocab", [300, 65536, 128256])
def test_writer_writes_datatroves_bytes(tmp_path, vocab):
    rng = np.random.default_rng(vocab)
    docs = [rng.integers(0, vocab, int(rng.integers(1, 60))).tolist() for _ in range(25)]
    write_token_shard(tmp_path / "ours", docs, vocab)
    theirs = _write(tmp_path, "theirs", docs, token_size=dtype_for_vocab(vocab)[0])
    for suffix in (".bin", ".idx"):
        assert (tmp_path / f"ours{suffix}").read_bytes() == Path(f"{theirs}{suffix}").read_bytes()
    assert [TokenShard(tmp_path / "ours").document(i).tolist() for i in range(len(docs))] == docs


def test_the_format_and_the_trainer_import_without_datatrove():
    # the GPU machine has the `train` extra only: no datatrove
    pytest.importorskip("torch")
    code = ("import sys; sys.modules['datatrove'] = None; import corpus.formats.megatron_format, "
            "corpus.formats.shard_files, corpus.overrides, training.data, training.trainer, training.evaluate, "
            "training.stage_setup, training.cli; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
