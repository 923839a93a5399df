"""Make the inputs of benchmarks/gpu_checks.py on a CPU machine, with the project's own stages.

    python benchmarks/gpu_inputs.py                 # writes .gpu_inputs/ (ignored by git), about 3 minutes

The GPU machine has no datatrove (and no network), so everything that needs the pipeline
is done here and carried over: real Japanese text from ../shared/data turned into documents,
the Wikipedia slice through `jacorpus ingest wiki`, a Japanese tokenizer trained with
`jacorpus tokenizer train`, Llama 2's tokenizer expanded with `jacorpus tokenizer expand`
(Swallow-style), and token shards written by `jacorpus tokenize` with each of the three
tokenizers. Held-out text for bits per character is set aside before anything is trained.

Training text (documents): 罪と罰 (Aozora, Yonekawa's translation; split at about 3,000
characters on paragraph ends), the KWDLC web leads but the last 300, and the ns0 articles
of the jawiki slice. Held-out text (never tokenized for training, never seen by the
tokenizers): 檸檬 and 坊っちゃん (Aozora) and the last 300 KWDLC leads.

Also written: random-token shards for the 128,256-token MFU shapes (log-normal document
lengths, median 2,048, as benchmarks/train_mfu.py writes them), so the GPU needs no writer.
Nothing from ../shared/data is committed: `.gpu_inputs/` is listed in `.git/info/exclude`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"

_RUBY = re.compile(r"《[^》]*》|｜|［＃[^］]*］")


def aozora_plain(text: str) -> str:
    """Aozora Bunko text without ruby (《よみ》, ｜), editor notes (［＃...］), the legend block and the colophon."""
    text = text.replace("\r\n", "\n")
    parts = text.split("-------------------------------------------------------")
    if len(parts) >= 3:  # title / legend / body
        text = parts[0].split("\n", 1)[0] + "\n" + "".join(parts[2:])
    text = text.split("底本：")[0]
    return _RUBY.sub("", text).strip()


def split_paragraphs(text: str, size: int = 3000) -> list[str]:
    docs, current = [], ""
    for para in text.split("\n"):
        current += para + "\n"
        if len(current) >= size:
            docs.append(current.strip())
            current = ""
    if current.strip():
        docs.append(current.strip())
    return docs


def write_docs(path: Path, texts: list[str], source: str, prefix: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datatrove.data import Document

    from corpus.formats.schema import SCHEMA, document_to_row

    rows = [document_to_row(Document(text=t, id=f"{prefix}/{i}", metadata={"source": source, "licence": "PD"}))
            for i, t in enumerate(texts)]
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), path)


def jacorpus(*args: str) -> None:
    print("+ jacorpus " + " ".join(args), flush=True)
    env = {**os.environ, "JACORPUS_QUIET": "1"}
    subprocess.run([sys.executable, "-m", "corpus.cli", *args], cwd=ROOT, check=True, env=env)


def copy_token_shards(stage: Path, out: Path) -> dict:
    """Only what the trainer reads (`<source>/*.bin/.idx`) and metadata.json, with paths made relative."""
    out.mkdir(parents=True, exist_ok=True)
    for idx in stage.glob("*/*.idx"):
        if idx.parent.name in ("excluded", "logs", "stats", "completions"):
            continue
        (out / idx.parent.name).mkdir(exist_ok=True)
        for suffix in (".idx", ".bin"):
            shutil.copy2(idx.with_suffix(suffix), out / idx.parent.name / (idx.stem + suffix))
    meta = json.loads((stage / "metadata.json").read_text())
    (out / "metadata.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False))
    return meta


def synthetic_shards(out: Path, vocab: int, tokens: int, mean_doc: int = 2048) -> None:
    from benchmarks.train_mfu import write_shards

    out.mkdir(parents=True, exist_ok=True)
    write_shards(out, vocab, tokens, mean_doc)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=str(ROOT / ".gpu_inputs"))
    p.add_argument("--work", default="/tmp/jacorpus_gpu_inputs", help="scratch (stage directories)")
    p.add_argument("--vocab-size", type=int, default=32000)
    p.add_argument("--new-tokens", type=int, default=11176, help="Swallow's expansion added 11,176 tokens")
    a = p.parse_args()
    out, work = Path(a.out), Path(a.work)
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    (out / "heldout").mkdir(parents=True)
    text = SHARED / "text"

    # held-out text first: it never reaches a tokenizer or a shard
    (out / "heldout" / "lemon.txt").write_text(aozora_plain((text / "aozora_lemon_kajii-motojiro.txt").read_text()))
    (out / "heldout" / "bocchan.txt").write_text(aozora_plain((text / "aozora_bocchan_natsume-soseki.txt").read_text()))
    leads = [json.loads(line)["text"] for line in (text / "kwdlc_web_leads.jsonl").read_text().splitlines() if line.strip()]
    with (out / "heldout" / "kwdlc_last300.jsonl").open("w") as f:
        for t in leads[-300:]:
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")

    docs = work / "docs"
    novel = aozora_plain((text / "aozora_56656_tsumi-to-batsu_yonekawa.utf8.txt").read_text())
    write_docs(docs / "books.parquet", split_paragraphs(novel), "books", "aozora/56656")
    write_docs(docs / "web.parquet", leads[:-300], "web", "kwdlc")
    jacorpus("ingest", "wiki", "-i", str(SHARED / "wiki" / "jawiki_pages-articles_first262pages_2022.xml.bz2"),
             "-o", str(work / "wiki"))
    for shard in sorted((work / "wiki" / "shards").glob("*.parquet")):
        shutil.copy2(shard, docs / f"wiki_{shard.name}")

    jacorpus("tokenizer", "train", "-i", str(docs), "-o", str(work / "tokenizer"), "--set", f"vocab_size={a.vocab_size}")
    (out / "tokenizer").mkdir()
    for name in ("tokenizer.model", "tokenizer.json"):
        shutil.copy2(work / "tokenizer" / name, out / "tokenizer" / name)
    (out / "llama2").mkdir()
    shutil.copy2(SHARED / "tokenizers" / "llama2.model", out / "llama2" / "tokenizer.model")
    train_text = work / "train_text.jsonl"
    import pyarrow.parquet as pq

    with train_text.open("w") as f:
        for shard in sorted(docs.glob("*.parquet")):
            for t in pq.read_table(shard, columns=["text"]).column("text").to_pylist():
                f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
    jacorpus("tokenizer", "expand", "--base", str(out / "llama2" / "tokenizer.model"), "--text", str(train_text),
             "--output", str(work / "llama2-ja"), "--new-tokens", str(a.new_tokens), "--pad-to", "64",
             "--eval-text", str(out / "heldout" / "bocchan.txt"))
    (out / "llama2-ja").mkdir()
    for f in (work / "llama2-ja").iterdir():
        if f.is_file():
            shutil.copy2(f, out / "llama2-ja" / f.name)

    summary = {}
    for name, tok in (("ja", out / "tokenizer" / "tokenizer.model"), ("llama2", out / "llama2" / "tokenizer.model"),
                      ("llama2-ja", out / "llama2-ja" / "tokenizer.model")):
        jacorpus("tokenize", "-i", str(docs), "-o", str(work / f"tokens-{name}"), "--set", f"tokenizer={tok}")
        meta = copy_token_shards(work / f"tokens-{name}", out / "tokens" / name)
        summary[name] = {"tokens": meta.get("tokens"), "characters": meta.get("characters"),
                         "chars_per_token": meta.get("chars_per_token"), "vocab_size": meta.get("vocab_size")}
    synthetic_shards(out / "synthetic_128k", 128256, tokens=400_000)
    (out / "inputs.json").write_text(json.dumps(summary, indent=1))
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(json.dumps(summary, indent=1))
    print(f"{out}: {size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
