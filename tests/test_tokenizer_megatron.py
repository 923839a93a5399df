"""tokenizer.megatron: the documented .bin/.idx layout, read back from datatrove's writer."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from datatrove.pipeline.tokens.megatron_tokenizer import MegatronTokenizedFile

from tokenizer.megatron import MAGIC, count, dataset_prefixes, document_tokens, dtype_for_vocab, read_index, read_tokens

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
    assert [document_tokens(prefix, i).tolist() for i in range(3)] == DOCS
    assert count(prefix) == (3, 13)
    assert read_tokens(prefix, dtype).size == 13


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
    assert document_tokens(prefix, 0).tolist() == [1, 99_999, 2]


def test_empty_dataset_reads_as_empty(tmp_path):
    prefix = _write(tmp_path, "empty", [])
    sizes, pointers, doc_idx, _ = read_index(prefix)
    assert len(sizes) == 0 and len(pointers) == 0 and doc_idx.tolist() == [0]
    assert count(prefix) == (0, 0)


def test_not_an_index_is_refused(tmp_path):
    (tmp_path / "x.idx").write_bytes(b"NOTMEGA\x00\x00" + b"\x00" * 40)
    with pytest.raises(ValueError, match="not a Megatron index"):
        read_index(tmp_path / "x")


def test_dataset_prefixes_finds_every_set_under_a_folder(tmp_path):
    for source in ("web", "wiki"):
        (tmp_path / source).mkdir()
        _write(tmp_path / source, "00000", DOCS)
    assert [p.relative_to(tmp_path).as_posix() for p in dataset_prefixes(tmp_path)] == ["web/00000", "wiki/00000"]
