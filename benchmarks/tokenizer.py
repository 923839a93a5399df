"""Tokenizer benchmarks on the Japanese text in ../shared/data.

    python benchmarks/tokenizer.py quality      # train on 90%, evaluate on held-out text, vs anchors
    python benchmarks/tokenizer.py expand       # Llama 2 + 11k / 16k Japanese tokens, held-out wiki
    python benchmarks/tokenizer.py --quick      # all three on a tenth of the text, small vocabularies (CI)
    python benchmarks/tokenizer.py throughput   # tokenize stage vs datatrove's MegatronDocumentTokenizer
    python benchmarks/tokenizer.py all --json   # everything, one JSON object per result

The corpus: Wikipedia articles (wikitext stripped with mwparserfromhell), Aozora Bunko novels
(ruby and editor notes removed, cut into 40-paragraph documents), the KWDLC web leads and
the Stockmark NER sentences (grouped per article): about 10.6 MB. Documents are split by
the tokenizer stage's own per-id hash (`is_held_out(id, 0.1, seed=1)`), so held-out text is
never trained on. Throughput is per core: one process, `RAYON_NUM_THREADS=1`, CPU seconds.
"""

from __future__ import annotations

import argparse
import bz2
import json
import os
import re
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

_RUBY = re.compile(r"《[^》]*》")
_NOTE = re.compile(r"［＃[^］]*］")
_WIKI_NS = "{http://www.mediawiki.org/xml/export-0.10/}"
_JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_MEDIA_LINE = re.compile(r"^(thumb|left|right|frame|upright|ファイル:|画像:|File:|Image:)")


def _japanese_paragraphs(text: str, min_chars: int = 10, min_ja: float = 0.3) -> str:
    keep = []
    for line in text.split("\n"):
        line = line.strip()
        if len(line) >= min_chars and not _MEDIA_LINE.match(line) and len(_JA.findall(line)) / len(line) >= min_ja:
            keep.append(line)
    return "\n".join(keep)


def wiki_documents(shared: Path) -> list[dict]:
    import mwparserfromhell

    docs = []
    path = shared / "wiki" / "jawiki_pages-articles_first262pages_2022.xml.bz2"
    with bz2.open(path) as f:
        try:
            for _, el in ET.iterparse(f, events=("end",)):
                if el.tag != _WIKI_NS + "page":
                    continue
                if el.findtext(_WIKI_NS + "ns") == "0" and el.find(_WIKI_NS + "redirect") is None:
                    wikitext = el.findtext(f"{_WIKI_NS}revision/{_WIKI_NS}text") or ""
                    text = _japanese_paragraphs(mwparserfromhell.parse(wikitext).strip_code(normalize=True, collapse=True))
                    if text:
                        docs.append({"id": f"wiki/{el.findtext(_WIKI_NS + 'id')}", "source": "wiki", "text": text})
                el.clear()
        except ET.ParseError:
            pass  # the slice is truncated (no closing </mediawiki>), as its README says
    return docs


def aozora_documents(shared: Path, paragraphs_per_doc: int = 40) -> list[dict]:
    docs = []
    for name in ("aozora_56656_tsumi-to-batsu_yonekawa.utf8.txt", "aozora_bocchan_natsume-soseki.txt", "aozora_lemon_kajii-motojiro.txt"):
        text = (shared / "text" / name).read_text(encoding="utf-8")
        text = text.split("\n底本：")[0]
        if text.count("-------") >= 2:  # Aozora's notation header
            text = text.split("-------------------------------------------------------")[-1]
        text = _NOTE.sub("", _RUBY.sub("", text)).replace("｜", "")
        lines = [line for line in text.split("\n") if line.strip()]
        for n in range(0, len(lines), paragraphs_per_doc):
            docs.append({"id": f"aozora/{name.split('.')[0]}/{n}", "source": "aozora", "text": "\n".join(lines[n:n + paragraphs_per_doc])})
    return docs


def kwdlc_documents(shared: Path) -> list[dict]:
    docs = []
    with open(shared / "text" / "kwdlc_web_leads.jsonl", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            docs.append({"id": f"kwdlc/{record['id']}", "source": "web", "text": record["text"]})
    return docs


def ner_documents(shared: Path) -> list[dict]:
    by_article: dict[str, list[str]] = defaultdict(list)
    for record in json.loads((shared / "pii" / "stockmark_ner-wikipedia-ja.json").read_text(encoding="utf-8")):
        by_article[record["curid"]].append(record["text"])
    return [{"id": f"ner/{k}", "source": "ner", "text": "\n".join(v)} for k, v in sorted(by_article.items())]


def japanese_documents(shared: Path) -> list[dict]:
    """Every Japanese document in ../shared/data, in a fixed order."""
    return wiki_documents(shared) + aozora_documents(shared) + kwdlc_documents(shared) + ner_documents(shared)


# -- helpers ----------------------------------------------------------------------------

def split(docs: list[dict]) -> tuple[list[dict], list[dict]]:
    from tokenizer.sampling import is_held_out

    held = [d for d in docs if is_held_out(d["id"], 0.1, seed=1)]
    ids = {d["id"] for d in held}
    return [d for d in docs if d["id"] not in ids], held


def write_shards(docs: list[dict], folder: Path) -> list[str]:
    """The corpus as our parquet shards (the tokenizer and tokenize stages' input)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datatrove.data import Document

    from corpus.formats.schema import SCHEMA, document_to_row

    folder.mkdir(parents=True, exist_ok=True)
    rows = [document_to_row(Document(text=d["text"], id=d["id"], metadata={"source": d["source"], "licence": "unknown"}))
            for d in docs]
    path = folder / "00000.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), path)
    return [str(path)]


def row(name: str, tokenizer, held: list[dict], extra: dict | None = None) -> dict:
    from tokenizer.evaluate import evaluate

    everything = evaluate(tokenizer, [d["text"] for d in held])
    wiki = evaluate(tokenizer, [d["text"] for d in held if d["source"] == "wiki"])
    return {
        "name": name, "vocab_size": everything["vocab_size"],
        "chars_per_token": everything["chars_per_token"], "wiki_chars_per_token": wiki["chars_per_token"],
        "byte_fallback_share": everything["byte_fallback_share"], "unknown_rate": everything["unknown_rate"],
        "roundtrip_exact": everything["roundtrip_exact"], **(extra or {}),
    }


def print_rows(title: str, rows: list[dict], as_json: bool) -> None:
    if as_json:
        for r in rows:
            print(json.dumps({"benchmark": title, **r}, ensure_ascii=False), flush=True)
        return
    print(f"\n## {title}")
    print(f"{'tokenizer':<42} {'vocab':>7} {'chars/tok':>9} {'wiki c/t':>9} {'bytes%':>8} {'unk%':>7} {'roundtrip':>9} {'train s':>8}")
    for r in rows:
        print(f"{r['name']:<42} {r['vocab_size']:>7} {r['chars_per_token']:>9.3f} {r['wiki_chars_per_token']:>9.3f} "
              f"{100 * r['byte_fallback_share']:>8.3f} {100 * r['unknown_rate']:>7.3f} "
              f"{'exact' if r['roundtrip_exact'] else 'BROKEN':>9} {r.get('train_s', ''):>8}", flush=True)
        checks = {k: r[k] for k in ("added", "unreachable", "base_ids_unchanged", "tokenizer_json_identical") if k in r}
        if checks:
            print(f"{'':<42}   {json.dumps(checks)}", flush=True)


# -- quality: trained tokenizers against SentencePiece defaults and the anchors -------------

def quality(docs: list[dict], as_json: bool, work: Path, vocab_size: int = 32000) -> list[dict]:
    import sentencepiece as spm

    from corpus.run.stage import StageContext, run_stage
    from pipelines.tokenizer_train import STAGE, Options
    from tokenizer.backends import load_tokenizer
    from tokenizer.sampling import split_sentences

    train, held = split(docs)
    inputs = write_shards(docs, work / "shards")  # the stage holds out the same documents itself
    rows = []
    start = time.time()
    prefix = work / "spm_defaults"
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([s for d in train for s in split_sentences(d["text"])]), model_prefix=str(prefix),
        vocab_size=vocab_size, minloglevel=2, num_threads=os.cpu_count() or 1,
    )
    rows.append(row("sentencepiece defaults (unigram)", load_tokenizer(f"{prefix}.model"), held,
                    {"train_s": round(time.time() - start, 1)}))
    variants = {
        "ours: bpe (stage default)": {},
        "ours: unigram": {"model_type": "unigram"},
        "ours: bpe + MeCab pre-segment": {"pre_segment": True},
        "ours: bpe, coverage 0.9995, no JIS": {"character_coverage": 0.9995, "required_charset": "none"},
    }
    for name, options in variants.items():
        folder = work / re.sub(r"\W+", "_", name)
        ctx = StageContext(name="tokenizer", stage_dir=folder, inputs=inputs,
                           options=Options(vocab_size=vocab_size, **options), quiet=True)
        report = run_stage(STAGE, ctx)
        rows.append(row(name, load_tokenizer(folder / "tokenizer.model"), held, {
            "train_s": report["figures"]["train_seconds"], "tokenizer_json_identical": report["figures"]["tokenizer_json_identical"],
        }))
    for name in ("llama2.model", "llm-jp-tokenizer-100k.ver3.0b1.model", "code20K_en40K_ja60K.ver2.2.model"):
        rows.append(row(f"anchor: {name}", load_tokenizer(DATA / "tokenizers" / name), held))
    print_rows("quality: held-out text (10% of documents, never trained on)", rows, as_json)
    return rows


# -- expand: Llama 2 + Japanese pieces --------------------------------------------------

def expand_llama2(docs: list[dict], as_json: bool, work: Path, sizes: tuple[int, ...] = (11000, 16000)) -> list[dict]:
    from tokenizer.backends import load_tokenizer
    from tokenizer.expand import ExpandConfig, expand

    train, held = split(docs)
    base = DATA / "tokenizers" / "llama2.model"
    rows = [row("llama2 (base)", load_tokenizer(base), held)]
    for n in sizes:
        start = time.time()
        record = expand(base, work / f"llama2_{n}", texts=[d["text"] for d in train], config=ExpandConfig(new_tokens=n))
        rows.append(row(f"llama2 + {n} Japanese", load_tokenizer(work / f"llama2_{n}" / "tokenizer.model"), held, {
            "train_s": round(time.time() - start, 1), "added": record["added_tokens"], "unreachable": record["unreachable"],
            "base_ids_unchanged": record["base_ids_unchanged"],
        }))
    print_rows("expand: Llama 2 vocabulary expansion (Swallow-style), held-out text", rows, as_json)
    return rows


# -- throughput: the tokenize stage against datatrove's MegatronDocumentTokenizer ------------

def _timed(fn, repeats: int) -> tuple[float, float]:
    cpu, wall = [], []
    for _ in range(repeats):
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu), statistics.median(wall)


def throughput(docs: list[dict], as_json: bool, work: Path, repeats: int = 3) -> list[dict]:
    from datatrove.pipeline.tokens.megatron_tokenizer import MegatronDocumentTokenizer

    from corpus.formats.shards import ShardReader
    from tokenizer.hf_export import export_tokenizer_json
    from tokenizer.token_shards import MegatronShardWriter

    inputs = write_shards(docs, work / "shards_all")
    mb = sum(len(d["text"].encode("utf-8")) for d in docs) / 1e6
    rows = []
    for name in ("llama2.model", "llm-jp-tokenizer-100k.ver3.0b1.model"):
        model = DATA / "tokenizers" / name
        as_json_path = export_tokenizer_json(model, work / name / "tokenizer.json")

        def ours(path=model, out=work / name / "ours"):
            for _ in MegatronShardWriter(str(out), str(path)).run(ShardReader(inputs).run()):
                pass

        def baseline(out=work / name / "datatrove", as_json_path=as_json_path):
            step = MegatronDocumentTokenizer(str(out), tokenizer_name_or_path=str(as_json_path), eos_token="</s>")
            for _ in step.run(ShardReader(inputs).run()) or []:
                pass

        ours_json = lambda path=as_json_path, out=work / name / "ours_json": ours(path, out)
        measured = {label: _timed(fn, repeats) for label, fn in
                    (("ours (.model)", ours), ("ours (tokenizer.json)", ours_json), ("datatrove baseline", baseline))}
        base_cpu = measured["datatrove baseline"][0]
        for label, (cpu, wall) in measured.items():
            rows.append({"tokenizer": name, "pipeline": label, "mb": round(mb, 2), "mb_per_s_per_core": round(mb / cpu, 2),
                         "wall_mb_per_s": round(mb / wall, 2), "speedup_vs_baseline": round(base_cpu / cpu, 2)})
    if as_json:
        for r in rows:
            print(json.dumps({"benchmark": "throughput", **r}), flush=True)
    else:
        print(f"\n## throughput: documents -> Megatron .bin/.idx, {mb:.1f} MB of Japanese, median of {repeats}")
        print(f"{'tokenizer':<38} {'pipeline':<24} {'MB/s/core':>9} {'wall MB/s':>9} {'vs datatrove':>12}")
        for r in rows:
            print(f"{r['tokenizer']:<38} {r['pipeline']:<24} {r['mb_per_s_per_core']:>9.2f} {r['wall_mb_per_s']:>9.2f} "
                  f"{r['speedup_vs_baseline']:>11.2f}x", flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", nargs="?", default="all", choices=["quality", "expand", "throughput", "all"])
    parser.add_argument("--json", action="store_true", help="one JSON object per result")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true",
                        help="a tenth of the documents, 8k vocabularies (the JIS set needs 7k), one repeat: "
                             "checks that ours and the baselines still run, measures nothing")
    args = parser.parse_args()
    # set before `tokenizers` starts its thread pool: the baseline must not use more cores than ours
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if not DATA.is_dir():
        print(f"needs {DATA}", file=sys.stderr)
        return 2
    import datatrove.utils.logging  # noqa: F401  (installs its handler on import; replace it)
    from loguru import logger

    logger.remove()  # datatrove logs every task at INFO
    logger.add(sys.stderr, level="WARNING")
    docs = japanese_documents(DATA)
    if args.quick:
        docs, args.repeats = docs[::10], 1
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.which in ("quality", "all"):
            quality(docs, args.json, work, vocab_size=8000 if args.quick else 32000)
        if args.which in ("expand", "all"):
            expand_llama2(docs, args.json, work, sizes=(1000,) if args.quick else (11000, 16000))
        if args.which in ("throughput", "all"):
            throughput(docs, args.json, work, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
