"""datatrove steps that turn documents into Megatron token shards, one set per source per task.

datatrove's `MegatronDocumentTokenizer` writes one file set per task and only through
Hugging Face `tokenizers`; we need one set per source (so a trainer can weight web, wiki
and code separately, as Megatron's `--data-path w1 p1 w2 p2` does), the licence of every
document next to its tokens, and SentencePiece's own encoder for `.model` files, which is
several times faster on Japanese. The file format itself is datatrove's
`MegatronTokenizedFile`, unchanged (layout: `corpus/formats/megatron_format.py`).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.utils.batching import batched


class EmptyTextFilter(BaseFilter):
    """A document with no text (or only whitespace) has no tokens to give: exclude it, with a reason."""

    name = "🕳 empty text"

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        return True if doc.text and doc.text.strip() else (False, "empty_text")


def safe_source(source: str | None) -> str:
    """A source name usable as a folder name (`web`, `wiki`, `code`; anything odd is sanitised)."""
    source = source or "unknown"
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in source) or "unknown"


class _SourceFile:
    """One `.bin/.idx` pair plus the per-document sidecar, for one source in one task."""

    def __init__(self, folder: Path, rank: int, token_size: int):
        from datatrove.pipeline.tokens.megatron_tokenizer import MegatronTokenizedFile

        folder.mkdir(parents=True, exist_ok=True)
        self.prefix = folder / f"{rank:05d}"
        self.file = MegatronTokenizedFile(str(folder), f"{rank:05d}", token_size=token_size)
        self.ids: list[str] = []
        self.licences: list[str | None] = []
        self.tokens: list[int] = []
        self.characters = 0

    def write(self, doc: Document, tokens: list[int]) -> None:
        self.file.write(tokens)
        self.ids.append(str(doc.id))
        self.licences.append(doc.metadata.get("licence"))
        self.tokens.append(len(tokens))
        self.characters += len(doc.text)

    def close(self) -> dict:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.file.close()
        table = pa.table({"id": self.ids, "licence": self.licences, "tokens": pa.array(self.tokens, pa.int64())})
        pq.write_table(table, f"{self.prefix}.docs.parquet")
        by_licence: dict[str, dict[str, int]] = {}
        for licence, n in zip(self.licences, self.tokens):
            entry = by_licence.setdefault(licence or "unknown", {"documents": 0, "tokens": 0})
            entry["documents"] += 1
            entry["tokens"] += n
        summary = {"documents": len(self.ids), "tokens": sum(self.tokens), "characters": self.characters, "licences": by_licence}
        Path(f"{self.prefix}.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1))
        return summary


class MegatronShardWriter(PipelineStep):
    """Tokenizes documents in batches and appends them to `<output>/<source>/<rank>.bin/.idx`.

    Each document becomes `[bos] + tokens + [eos]` (Llama's convention; both switchable);
    the ids used are written to metadata.json by the stage. Stats: `documents_tokenized`,
    `tokens`, `tokens_<source>`, `bytes`.
    """

    type = "🔢 - TOKENIZER"
    name = "🧱 megatron shards"
    _requires_dependencies = ["sentencepiece", "tokenizers"]

    def __init__(self, output_folder: str, tokenizer_path: str, add_bos: bool = True, add_eos: bool = True, batch_size: int = 512):
        super().__init__()
        self.output_folder = Path(output_folder)
        self.tokenizer_path = str(tokenizer_path)
        self.add_bos = add_bos
        self.add_eos = add_eos
        self.batch_size = batch_size

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from tokenizer.backends import load_tokenizer
        from corpus.formats.megatron_format import dtype_for_vocab

        tok = load_tokenizer(self.tokenizer_path)
        token_size, _ = dtype_for_vocab(tok.vocab_size)
        prefix = [tok.bos_id] if self.add_bos and tok.bos_id is not None else []
        suffix = [tok.eos_id] if self.add_eos and tok.eos_id is not None else []
        files: dict[str, _SourceFile] = {}
        counts: Counter = Counter()
        try:
            for batch in batched(data, self.batch_size):
                with self.track_time(unit="batch"):
                    encoded = tok.encode_batch([doc.text for doc in batch])
                    for doc, ids in zip(batch, encoded):
                        source = safe_source(doc.metadata.get("source"))
                        if source not in files:
                            files[source] = _SourceFile(self.output_folder / source, rank, token_size)
                        tokens = prefix + ids + suffix
                        files[source].write(doc, tokens)
                        counts[source] += len(tokens)
                        self.stat_update("documents_tokenized")
                        self.stat_update("tokens", value=len(tokens))
                        self.stat_update("bytes", value=len(doc.text.encode("utf-8")))
                for doc in batch:
                    yield doc
        finally:
            for source, f in files.items():
                f.close()
                self.stat_update(f"tokens_{source}", value=counts[source])
