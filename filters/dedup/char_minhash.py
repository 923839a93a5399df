"""MinHash signatures on character n-grams, hashed with numpy, in datatrove's file format.

datatrove's `MinhashDedupSignature` shingles word n-grams: for Japanese it first runs a
SudachiPy word tokenizer and then hashes each n-gram in Python, about 0.4 MB/s per core
(2 MB/s given character n-grams; benchmarks/dedup.py, docs/dedup.md). Swallow (doubri: `-n 5`) and the project design use character 5-grams instead,
which need no tokenizer. This step computes them with array operations:

1. `normalize.minhash_codes`: NFKC, lower case, no whitespace or punctuation, as code points;
2. each n-gram's hash is a random linear combination of its code points mod 2^64, mixed by
   MurmurHash3's 64-bit finalizer; the top 32 bits are the shingle;
3. permutation k maps a shingle x to (a_k * x + b_k) mod 2^32 with odd a_k (a bijection of
   the 32-bit space, the role of datatrove's `(a * x + b) mod (2^61 - 1)`), and the
   signature is the minimum over shingles, computed as one (shingles x permutations) block.

The bucket files are exactly datatrove's (`bucket_XXX/RRRRR.minhash.sig`, records of
`hashes_per_bucket` uint32 values plus the document index, sorted), so datatrove's stock
`MinhashDedupBuckets`, `MinhashDedupCluster` and `MinhashDedupFilter` read them; the
overridden `get_shingles`/`get_signature` keep the parent's contract, so the parent's own
`run` writes identical files (tested). Two side files per task serve our cluster step:
`full/RRRRR.sig` (every document's whole signature, row = document index, to estimate the
Jaccard of a candidate pair) and `docs/RRRRR.parquet` (id, source, and the number of
normalized characters: what the survivor priority needs). Signatures need `HashConfig(precision=32)`.

Delete this module when datatrove ships a vectorized character-shingle signature step.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
from datatrove.utils.typeshelper import Languages, StatHints

from filters.dedup.normalize import minhash_codes, prepare

_U64 = np.uint64
_FMIX1, _FMIX2 = _U64(0xFF51AFD7ED558CCD), _U64(0xC4CEB9FE1A85EC53)  # MurmurHash3 fmix64
_NO_SIGNATURE = np.uint32(0xFFFFFFFF)  # full-signature row of a document too short to shingle
DOCS_SCHEMA = pa.schema([("id", pa.string()), ("source", pa.string()), ("chars", pa.int64())])


def full_signature_path(rank: int) -> str:
    return f"full/{rank:05d}.sig"


def docs_table_path(rank: int) -> str:
    return f"docs/{rank:05d}.parquet"


class CharMinhashSignature(MinhashDedupSignature):
    """Stage 1 of datatrove's MinHash dedup on character n-grams; passes documents on, so
    other signature steps (exact dedup) can follow in the same pass."""

    name = "🎯 char n-gram MinHash signatures"

    def __init__(
        self,
        output_folder: DataFolderLike,
        config: MinhashConfig,
        chunk_documents: int = 1024,
        block_elements: int = 1 << 17,
    ):
        if config.hash_config.precision != 32:
            raise ValueError("CharMinhashSignature writes 32-bit signatures: use HashConfig(precision=32)")
        # the word tokenizer the parent loads is never used: we shingle characters
        super().__init__(output_folder, config, language=Languages.english)
        self.chunk_documents = chunk_documents
        # rows of the (shingles x permutations) block; 2^17 uint32 = 512 KiB, about L2
        self.block_rows = max(16, block_elements // self.num_hashes)
        params = np.random.RandomState(config.seed)
        self._a = (params.randint(0, 1 << 32, size=self.num_hashes, dtype=np.uint64) | 1).astype(np.uint32)
        self._b = params.randint(0, 1 << 32, size=self.num_hashes, dtype=np.uint64).astype(np.uint32)
        self._ngram_weights = (params.randint(0, 1 << 63, size=config.n_grams, dtype=np.uint64) << _U64(1)) | _U64(1)
        prepare()

    # -- the parent's contract: shingles, then one list of hashes per bucket -------------

    def get_shingles(self, text: str) -> np.ndarray:
        """uint32 hashes of the character n-grams of the normalized text (empty when the
        text has fewer than n characters, as datatrove does for words)."""
        return self._shingle(minhash_codes(text))

    def _shingle(self, codes: np.ndarray) -> np.ndarray:
        n = self.config.n_grams
        count = codes.size - n + 1
        if count <= 0:
            return np.empty(0, dtype=np.uint32)
        codes = codes.astype(np.uint64)
        h = codes[:count] * self._ngram_weights[0]
        for j in range(1, n):
            h += codes[j : j + count] * self._ngram_weights[j]
        h ^= h >> _U64(33)
        h *= _FMIX1
        h ^= h >> _U64(33)
        h *= _FMIX2
        h ^= h >> _U64(33)
        return (h >> _U64(32)).astype(np.uint32)

    def signature(self, shingles: np.ndarray) -> np.ndarray:
        """The whole signature: min over shingles of (a * x + b) mod 2^32, per permutation."""
        shingles = np.asarray(shingles, dtype=np.uint32).reshape(-1)
        out = np.full(self.num_hashes, _NO_SIGNATURE, dtype=np.uint32)
        block = np.empty((min(self.block_rows, shingles.size), self.num_hashes), dtype=np.uint32)
        for start in range(0, shingles.size, self.block_rows):
            x = shingles[start : start + self.block_rows]
            view = block[: x.size]
            np.multiply(x[:, None], self._a[None, :], out=view)
            view += self._b
            np.minimum(out, view.min(axis=0), out=out)
        return out

    def get_signature(self, shingles: np.ndarray) -> list[list[int]]:
        return [band.tolist() for band in np.split(self.signature(shingles), self.config.num_buckets)]

    # -- the run: same bucket files as the parent, written in blocks, plus side files ------

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        rows = self.config.hashes_per_bucket
        buckets = [
            self.output_folder.open(f"bucket_{bi:03d}/{rank:05d}.minhash.sig", mode="wb")
            for bi in range(self.config.num_buckets)
        ]
        full = self.output_folder.open(full_signature_path(rank), mode="wb")
        docs_file = self.output_folder.open(docs_table_path(rank), mode="wb")
        docs_writer = pq.ParquetWriter(docs_file, DOCS_SCHEMA)
        signed = 0
        chunk: list[tuple[int, np.ndarray, bool]] = []
        meta: dict[str, list] = {"id": [], "source": [], "chars": []}

        def flush() -> None:
            nonlocal signed
            if meta["id"]:
                docs_writer.write_table(pa.table(meta, schema=DOCS_SCHEMA))
                for column in meta.values():
                    column.clear()
            if not chunk:
                return
            index = np.fromiter((i for i, _, _ in chunk), dtype=np.uint32, count=len(chunk))
            sigs = np.stack([s for _, s, _ in chunk])
            full.write(sigs.astype("<u4").tobytes())
            has = np.fromiter((h for _, _, h in chunk), dtype=bool, count=len(chunk))  # shingled docs only
            signed += int(has.sum())
            record = np.empty((int(has.sum()), rows + 1), dtype="<u4")
            record[:, rows] = index[has]
            for bi, bucket in enumerate(buckets):
                record[:, :rows] = sigs[has, bi * rows : (bi + 1) * rows]
                bucket.write(record.tobytes())
            chunk.clear()

        for doc_idx, doc in enumerate(data):
            with self.track_time():
                self.stat_update(StatHints.total)
                codes = minhash_codes(doc.text)
                shingles = self._shingle(codes)
                if shingles.size == 0:
                    self.stat_update("too_short_to_shingle")
                chunk.append((doc_idx, self.signature(shingles), shingles.size > 0))
                meta["id"].append(str(doc.id))
                meta["source"].append(str(doc.metadata.get("source") or "unknown"))
                meta["chars"].append(int(codes.size))  # content characters: what "longer" compares
                if len(chunk) >= self.chunk_documents:
                    flush()
            yield doc
        with self.track_time():
            flush()
            for f in buckets:
                f.close()
            full.close()
            docs_writer.close()
            docs_file.close()
            for bi in range(self.config.num_buckets):
                self._sort_bucket_file(f"bucket_{bi:03d}/{rank:05d}.minhash.sig", signed)

    def _sort_bucket_file(self, path: str, expected: int) -> None:
        """Sort records by (hashes..., document index), the order datatrove's stage 2 merges."""
        width = self.config.hashes_per_bucket + 1
        with self.output_folder.open(path, mode="rb") as f:
            records = np.frombuffer(f.read(), dtype="<u4")
        if records.size != expected * width:
            raise ValueError(f"{path}: expected {expected} signatures, found {records.size / width:.1f}")
        records = records.reshape(-1, width)
        order = np.lexsort(records.T[::-1])
        with self.output_folder.open(path, mode="wb") as f:
            f.write(records[order].tobytes())
