"""`jacorpus tokenizer eval` and `jacorpus tokenizer expand`; the lead's CLI mounts both.

    jacorpus tokenizer eval TOKENIZER... --text FILE... [--symbols S...] [--json]
    jacorpus tokenizer expand --base llama2.model --text ja.txt --output DIR [--new-tokens 16000]
"""

from __future__ import annotations

import argparse
import json
import sys

from tokenizer.evaluate import evaluate, format_table, read_texts


def _texts(paths: list[str], max_chars: int | None) -> list[str]:
    texts: list[str] = []
    for path in paths:
        texts.extend(read_texts(path, max_chars))
    return texts


def _eval(args: argparse.Namespace) -> int:
    from tokenizer.backends import load_tokenizer

    texts = _texts(args.text, args.max_chars)
    rows = []
    for path in args.tokenizers:
        try:
            tokenizer = load_tokenizer(path)
        except (OSError, ValueError, RuntimeError) as err:
            print(f"jacorpus tokenizer eval: {path}: cannot load: {err}", file=sys.stderr)
            return 2
        row = evaluate(tokenizer, texts, args.symbols)
        rows.append(row)
        if args.json:
            print(json.dumps(row, ensure_ascii=False), flush=True)
    if not args.json:
        print(format_table(rows))
    return 0


def add_eval_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "eval", help="characters/token, byte fallback, unknowns, round trip of tokenizers on Japanese text",
        description="Encodes every non-empty line of the text with each tokenizer (a SentencePiece .model, "
                    "a tokenizer.json, or a folder holding one) and prints one row per tokenizer.",
    )
    p.add_argument("tokenizers", nargs="+", metavar="TOKENIZER", help=".model, tokenizer.json, or a folder")
    p.add_argument("--text", nargs="+", required=True, metavar="FILE", help=".txt, .jsonl (text field) or .parquet shards")
    p.add_argument("--max-chars", type=int, default=None, help="use only the first N characters of text")
    p.add_argument("--symbols", nargs="*", default=None, metavar="SYMBOL",
                   help="strings that must be one token each (default: the <|...|> placeholders the text holds)")
    p.add_argument("--json", action="store_true", help="one JSON object per tokenizer")
    p.set_defaults(func=_eval)
    return p


def _expand(args: argparse.Namespace) -> int:
    from tokenizer.expand import ExpandConfig, expand

    config = ExpandConfig(
        new_tokens=args.new_tokens, pad_to_multiple=args.pad_to, japanese_only=not args.all_scripts,
        characters_first=not args.pieces_first, addition_vocab_size=args.addition_vocab_size,
    )
    texts = _texts(args.text, None) if args.text else None
    eval_texts = _texts(args.eval_text, None) if args.eval_text else None
    try:
        record = expand(args.base, args.output, texts=texts, addition=args.addition, config=config, eval_texts=eval_texts)
    except (OSError, ValueError) as err:
        print(f"jacorpus tokenizer expand: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
    else:
        print(f"added {record['added_tokens']} tokens (+{record['padding']} padding) to {record['base_vocab_size']}: "
              f"vocabulary {record['vocab_size']}; base ids unchanged: {record['base_ids_unchanged']}; "
              f"unreachable: {record['unreachable']}")
        if "evaluation" in record:
            print(format_table([record["evaluation"]["base"], record["evaluation"]["expanded"]]))
        print(f"wrote {args.output}: {', '.join(record['outputs'].values())}")
    return 0 if record["base_ids_unchanged"] else 1


def add_expand_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "expand", help="add Japanese tokens to a Llama vocabulary (Swallow-style) + new-token mapping",
        description="Llama 2 (.model, SentencePiece BPE): merges Japanese pieces into the model. Llama 3 "
                    "(tokenizer.json, byte-level BPE): appends merges that make the Japanese tokens reachable. "
                    "Writes the tokenizer, vocab_mapping.json (new id -> base ids, for embedding init) and expand.json.",
    )
    p.add_argument("--base", required=True, help="base tokenizer: Llama-2 style .model or Llama-3 style tokenizer.json")
    p.add_argument("--text", nargs="+", metavar="FILE", help="Japanese text to learn new tokens from (.txt/.jsonl/.parquet)")
    p.add_argument("--addition", help="or: a tokenizer already trained on Japanese (.model for a .model base, tokenizer.json for a .json base)")
    p.add_argument("--output", "-o", required=True, metavar="DIR")
    p.add_argument("--new-tokens", type=int, default=16000, help="tokens to add (Swallow: 11,176; default 16000)")
    p.add_argument("--pad-to", type=int, default=64, help="pad the vocabulary to a multiple of this (64 or 128)")
    p.add_argument("--addition-vocab-size", type=int, default=None, help="vocabulary of the BPE trained from --text")
    p.add_argument("--all-scripts", action="store_true", help="also add tokens without Japanese characters")
    p.add_argument("--pieces-first", action="store_true", help="(.model) rank multi-character pieces before new characters")
    p.add_argument("--eval-text", nargs="+", metavar="FILE", help="held-out text: evaluate base and expanded tokenizers")
    p.add_argument("--json", action="store_true", help="print expand.json")
    p.set_defaults(func=_expand)
    return p
