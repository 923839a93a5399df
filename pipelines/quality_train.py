"""`jacorpus quality train | explain`: train the quality models; explain one document's decision.

    jacorpus quality train --positive RUN/ingest_wiki aozora.txt --negative web.jsonl -o models/clf
    jacorpus quality train --kind lm --positive RUN/ingest_wiki -o models/lm --negative web.jsonl
    jacorpus quality explain RUN/filter web/urn:uuid:...

`train` writes the model files, `manifest.json` (training data with sha256, licences,
held-out AUC/accuracy, throughput, score quantiles on web text) and prints the metrics;
point `quality.model.classifier` / `quality.model.lm` of the filter stage at the directory.
"""

from __future__ import annotations

import argparse
import json
import sys


def _train(args: argparse.Namespace) -> int:
    from filters.quality.model_train import read_corpus, train

    positive = read_corpus(args.positive, chunk_chars=args.chunk_chars)
    negative = read_corpus(args.negative, chunk_chars=args.chunk_chars)
    info = train(positive, negative, args.output, kind=args.kind, seed=args.seed, order=args.order,
                 licence_note=args.licence)
    shown = {k: info[k] for k in ("kind", "figure", "train_documents", "heldout_documents", "heldout_auc",
                                  "heldout_accuracy", "heldout_median_perplexity", "mb_per_cpu_second") if k in info}
    print(json.dumps(shown, indent=2, ensure_ascii=False))
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _explain(args: argparse.Namespace) -> int:
    from filters.quality.explain import explain, print_explanation

    info = explain(args.stage, args.doc_id)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
    else:
        print_explanation(info)
    return 0


def add_quality_parser(sub) -> None:
    """`jacorpus quality ...` (mounted by corpus.cli)."""
    quality = sub.add_parser("quality", help="train the quality models | explain a filter decision")
    actions = quality.add_subparsers(dest="action", required=True)
    p = actions.add_parser("train", help="train a quality classifier or character LM",
                           description="Reads positive (encyclopedic/literary) and negative (raw web) texts: parquet "
                                       "shards or stage directories, JSONL with `text`, or plain-text files (cut into "
                                       "chunks). Writes DIR/manifest.json and the model files.")
    p.add_argument("--positive", nargs="+", required=True, metavar="PATH")
    p.add_argument("--negative", nargs="+", required=True, metavar="PATH")
    p.add_argument("--output", "-o", required=True, metavar="DIR")
    p.add_argument("--kind", choices=["classifier", "lm"], default="classifier")
    p.add_argument("--order", type=int, default=3, help="n-gram order of the character LM")
    p.add_argument("--chunk-chars", type=int, default=3000, help="plain-text files are cut into chunks of this size")
    p.add_argument("--seed", type=int, default=0, help="seed of the held-out split")
    p.add_argument("--licence", help="a note on the model's licence for the manifest (the data's licences are listed)")
    p.set_defaults(func=_train)
    p = actions.add_parser("explain", help="every figure and the deciding rule of one document of a filter run",
                           description="Finds DOC_ID among STAGE/shards and STAGE/excluded and prints each rule's "
                                       "value, threshold and result.")
    p.add_argument("stage", help="the filter stage directory (RUN/filter or --output of jacorpus filter)")
    p.add_argument("doc_id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_explain)
