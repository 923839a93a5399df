"""One module per stage; each declares `STAGE` (a corpus.run.stage.Stage). Only the CLI imports this package."""

from __future__ import annotations

import importlib

from corpus.run.stage import Stage

# stage name -> module; run order is corpus.config.STAGE_ORDER
STAGE_MODULES = {
    "ingest_web": "pipelines.ingest_web",
    "ingest_wiki": "pipelines.ingest_wiki",
    "ingest_code": "pipelines.ingest_code",
    "filter": "pipelines.filter",
    "dedup": "pipelines.dedup",
    "tokenizer": "pipelines.tokenizer_train",
    "tokenize": "pipelines.tokenize",
    "train": "pipelines.train",
}


def get_stage(name: str) -> Stage:
    return importlib.import_module(STAGE_MODULES[name]).STAGE
