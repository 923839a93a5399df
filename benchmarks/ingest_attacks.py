"""Hostile inputs for the readers, ingest and the trainer, through the real CLI: git metadata
that points outside the tree, links and FIFOs in trees, WARC records hidden by a lying
Content-Length, a parquet value that is not UTF-8, file names in cp932 or in no encoding,
secrets bound to a name, ISO-2022-JP labelled UTF-8, ids repeated within a file and across
files (real pages, articles and text from ../shared/data), a planted checkpoint pickle.

    python benchmarks/ingest_attacks.py     # prints the table

The same table format as benchmarks/attacks.py; `benchmarks/reliability.py` runs both.
Builders of the hostile files come from benchmarks/evalsets/bad_inputs.py and bad_parquet.py.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from benchmarks.evalsets import bad_inputs as bad  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import attacks  # noqa: E402
from attacks import ENV, Attack, Lab, table  # noqa: E402
from memory import DATA  # noqa: E402

TREES, WARC, ROWS, NAMES, SECRETS, CHARSET, CHECKPOINT, IDS, MARKUP = (
    "trees read only themselves", "every WARC record counted", "one bad row costs one row", "any file name ingested",
    "secrets masked", "charset evidence", "checkpoints only from this run", "ids unique per run",
    "no page parses for ever")


def rows(stage_dir: Path) -> list[dict]:
    """Every kept and excluded row: kept flag, reason, text, metadata (extra parsed)."""
    found = []
    for folder in ("shards", "excluded"):
        for shard in sorted((stage_dir / folder).glob("*.parquet")):
            for row in pq.read_table(shard).to_pylist():
                meta = row["metadata"] or {}
                found.append({"kept": folder == "shards", "reason": meta.get("reason"), "text": row["text"] or "",
                              "meta": meta, "extra": json.loads(meta.get("extra") or "{}")})
    return found


def report(stage_dir: Path) -> dict:
    path = stage_dir / "report.json"
    return json.loads(path.read_text()) if path.is_file() else {"documents": {}}


def balance(r: dict) -> str:
    d = r["documents"]
    return f"in={d.get('in')} kept={d.get('kept')} excluded={d.get('excluded')}"


def git_metadata(lab: Lab) -> Attack:
    d = lab.fresh("git_meta")
    secret = bad.outside_secret(d / "outside")
    roots = bad.git_escape_checkouts(d / "in", secret)
    r = lab.cli("ingest", "code", "-i", d / "in", "-o", d / "out", "-q", cwd=d)
    found = rows(d / "out")
    leaked = [x for x in found if "outside the input tree" in x["text"] or x["extra"].get("commit")]
    return Attack(TREES, f"{len(roots)} checkouts whose .git/HEAD climbs out (`ref: ../..`), links to a file, to "
                  "/dev/zero, is a FIFO, links refs/ out, or is 10 MB", r.returncode,
                  f"{balance(report(d / 'out'))}; rows carrying the outside file or a commit: {len(leaked)}",
                  r.returncode == 0 and not leaked and len(found) > 0)


def linked_tree(lab: Lab) -> Attack:
    d = lab.fresh("links")
    secret = bad.outside_secret(d / "outside")
    bad.linked_tree(d / "in" / "tree", secret)
    r = lab.cli("ingest", "code", "-i", d / "in", "-o", d / "out", "-q", cwd=d)
    found = rows(d / "out")
    reasons = sorted(x["reason"] for x in found if not x["kept"] and x["reason"] != "unsupported_extension")
    leaked = [x for x in found if "outside the input tree" in x["text"]]
    return Attack(TREES, "a tree with a hardlink to a file outside it, two hardlinked files, a FIFO, a symlinked folder",
                  r.returncode, f"{balance(report(d / 'out'))}; excluded: {', '.join(reasons)}; outside text read: "
                  f"{len(leaked)}", r.returncode == 0 and not leaked and {"hardlink", "special_file"} <= set(reasons))


def swallowing(gzipped: bool) -> Callable[[Lab], Attack]:
    def run(lab: Lab) -> Attack:
        d = lab.fresh("warc")
        path = bad.swallowing_warc(d / ("liar.warc.gz" if gzipped else "liar.warc"), bad.good_records(0, 4), liar=1,
                                   gzipped=gzipped)
        r = lab.cli("ingest", "web", "-i", path, "-o", d / "out", "-q", cwd=d)
        rep = report(d / "out")
        return Attack(WARC, f"{'gzip-per-record' if gzipped else 'plain'} WARC of 4 pages whose record 2 claims its "
                      "block + 4 + all of record 3", r.returncode, balance(rep),
                      r.returncode == 0 and rep["documents"].get("in") == 4)
    return run


def bad_utf8_row(lab: Lab) -> Attack:
    from benchmarks.evalsets import bad_parquet

    d = lab.fresh("utf8")
    n, bad_row = 3000, 1500
    texts = [f"{i}番目の文書です。{bad.JA_PARAGRAPH}" for i in range(n)]
    path = bad_parquet.write_table(d / "rows.parquet", {
        "text": bad_parquet.texts_with_bad_row(texts, bad_row), "id": bad_parquet.raw_string_array(
            [f"doc{i}".encode() for i in range(n)])})
    model = bad.sentencepiece_model(d / "tok")
    r = lab.cli("tokenize", "-i", path, "-o", d / "out", "-q", "--set", f"tokenizer={model}", cwd=d)
    rep = report(d / "out")
    return Attack(ROWS, f"a {n}-row parquet whose row {bad_row} is not UTF-8, tokenized", r.returncode,
                  f"{balance(rep)}; excluded by reason: {rep.get('excluded_by_reason')}",
                  r.returncode == 0 and rep["documents"].get("in") == n and rep["documents"].get("excluded") == 1)


def odd_names(lab: Lab) -> Attack:
    d = lab.fresh("names")
    (d / "in").mkdir()
    bad.cp932_named_tar(d / "in" / "sjis_names.tar.gz")
    bad.cp932_named_zip(d / "in" / "sjis_zip.zip")
    bad.non_utf8_named_tree(d / "in" / "names")
    r = lab.cli("ingest", "code", "-i", d / "in", "-o", d / "out", "-q", cwd=d)
    rep = report(d / "out")
    partial = list((d / "out").rglob("*.partial"))
    return Attack(NAMES, "a tar and a zip with cp932 member names, a tree with a cp932 name and `bad\\xffname.py`",
                  r.returncode, f"{balance(rep)}; partial files left: {len(partial)}",
                  r.returncode == 0 and not partial and rep["documents"].get("kept", 0) >= 3)


AWS_SECRET = "lbqlNh3FW5/3AwnBoWsYIJam9w2Us4ZOH5Un8RyR"  # gitleaks' made-up sample value


def bound_secrets(lab: Lab) -> Attack:
    d = lab.fresh("secrets")
    tree = d / "in" / "repo"
    tree.mkdir(parents=True)
    (tree / "LICENSE").write_text(bad.MIT)
    (tree / "settings.py").write_text("import os\n\n" + "\n".join([
        f'os.environ["AWS_SECRET_ACCESS_KEY"] = "{AWS_SECRET}"',
        f'os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "{AWS_SECRET}")',
        f'CONFIG = {{"secret_access_key": "{AWS_SECRET}"}}']) + "\n")
    r = lab.cli("ingest", "code", "-i", d / "in", "-o", d / "out", "-q", cwd=d)
    found = [x for x in rows(d / "out") if x["meta"].get("path", "").endswith("settings.py")]
    left = sum(x["text"].count(AWS_SECRET) for x in found)
    return Attack(SECRETS, "an AWS secret key set through os.environ[...] =, os.environ.setdefault and a JSON-style dict",
                  r.returncode, f"settings.py kept: {any(x['kept'] for x in found)}; secret values left: {left} of 3",
                  r.returncode == 0 and bool(found) and left == 0)


def iso2022(lab: Lab) -> Attack:
    d = lab.fresh("iso2022")
    path = bad.iso2022_claimed_utf8_warc(d / "iso.warc.gz")
    r = lab.cli("ingest", "web", "-i", path, "-o", d / "out", "-q", cwd=d)
    kept = [x for x in rows(d / "out") if x["kept"]]
    charset = kept[0]["meta"].get("charset") if kept else None
    return Attack(CHARSET, "an ISO-2022-JP page whose HTTP header and <meta> say UTF-8", r.returncode,
                  f"{balance(report(d / 'out'))}; charset {charset}; ESC in text: {any(chr(27) in x['text'] for x in kept)}",
                  r.returncode == 0 and charset == "iso-2022-jp" and not any("\x1b" in x["text"] for x in kept))


def repeated_ids(kind: str) -> Callable[[Lab], Attack]:
    def run(lab: Lab) -> Attack:
        d = lab.fresh("ids")
        path = (bad.duplicate_record_id_warc(d / "dup.warc.gz") if kind == "web"
                else bad.duplicate_page_id_dump(d / "dup.xml"))
        warc_again = [path] if kind == "web" else []  # the same WARC named twice: read once
        r = lab.cli("ingest", kind, "-i", path, *warc_again, "-o", d / "out", "-q", cwd=d)
        found = [row["id"] for folder in ("shards", "excluded") for shard in (d / "out" / folder).glob("*.parquet")
                 for row in pq.read_table(shard, columns=["id"]).to_pylist()]
        label = ("a WARC with two pages under one WARC-Record-ID, given twice" if kind == "web"
                 else "a dump with two articles under one <id>")
        return Attack(IDS, label, r.returncode, f"{balance(report(d / 'out'))}; ids {len(found)}, distinct "
                      f"{len(set(found))}", r.returncode == 0 and len(found) == len(set(found)) == 3 + (kind == "wiki"))
    return run


def ids_across_files(kind: str) -> Callable[[Lab], Attack]:
    """Files that are not copies of each other but share ids, read with two tasks, so each
    task sees only its own files: the runner renames the later copies once both are done."""
    def run(lab: Lab) -> Attack:
        d = lab.fresh("ids_across")
        if kind == "web":
            inputs = bad.warcs_sharing_record_id(d / "in", DATA / "web" / "ja_fixture_pages_packed.warc.gz", files=3)
            label, command = "three WARC files of real pages, one WARC-Record-ID in each, two tasks", ["ingest", "web"]
        elif kind == "wiki":
            inputs = bad.dumps_sharing_page_ids(d / "in", DATA / "wiki" / "jawiki_pages-articles_first262pages_2022.xml.bz2")
            label, command = "two dumps of 3 real jawiki articles, same page ids, other text, two tasks", ["ingest", "wiki"]
        else:
            inputs = bad.jsonl_sharing_ids(d / "in", DATA / "text" / "kwdlc_web_leads.jsonl", files=2, per_file=4)
            label, command = "two jsonl exports of real text, both numbering `id` from 0, through filter, two tasks", ["filter"]
        r = lab.cli(*command, "-i", *inputs, "-o", d / "out", "-q", "--tasks", "2", cwd=d)
        found = [row["id"] for folder in ("shards", "excluded") for shard in (d / "out" / folder).glob("*.parquet")
                 for row in pq.read_table(shard, columns=["id"]).to_pylist()]
        rep = report(d / "out")
        renamed = rep.get("figures", {}).get("duplicate_ids", {}).get("renamed_across_files")
        return Attack(IDS, label, r.returncode, f"{balance(rep)}; ids {len(found)}, distinct {len(set(found))}; "
                      f"renamed across files {renamed}",
                      r.returncode == 0 and len(found) == len(set(found)) == rep["documents"].get("in") and bool(renamed))
    return run


def unclosed_templates(lab: Lab) -> Attack:
    import time

    d = lab.fresh("markup")
    dump = bad.unclosed_template_dump(d / "dump.xml")
    started = time.monotonic()
    r = lab.cli("ingest", "wiki", "-i", dump, "-o", d / "out", "-q", cwd=d)
    seconds = time.monotonic() - started
    rep = report(d / "out")
    return Attack(MARKUP, 'one wiki page of `"{{a|"` x 200,000 (800 kB) between two good ones', r.returncode,
                  f"{balance(rep)} in {seconds:.0f} s; excluded by reason: {rep.get('excluded_by_reason')}",
                  r.returncode == 0 and (rep.get("excluded_by_reason") or {}).get("pathological_markup") == 1
                  and rep["documents"].get("kept") == 2)


class _CreatesFile:
    """Unpickling this calls open(path, "w"): what a planted `.metadata` could do."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def planted_checkpoint(lab: Lab) -> Attack:
    try:
        import torch  # noqa: F401
    except ImportError:
        return Attack(CHECKPOINT, "a planted checkpoint .metadata pickle, then resume", None,
                      "not run: torch is not installed (pip install -e '.[train]')", True)
    from corpus.formats.megatron_format import write_token_shard

    d = lab.fresh("checkpoint")
    import numpy as np

    rng = np.random.default_rng(0)
    docs = [[1] + [int(t) for t in rng.integers(3, 250, size=int(rng.integers(20, 120)))] + [2] for _ in range(60)]
    write_token_shard(d / "shards" / "web_00000_tokens", docs, 256)
    shape = "model.shape={dim: 64, n_layers: 2, n_heads: 4, n_kv_heads: 2, ffn_dim: 192, vocab_size: 256}"
    args = [sys.executable, "-m", "training.cli", "train", "--config", str(ROOT / "training" / "configs" / "tiny.yaml"),
            "--data", str(d / "shards"), "--output", str(d / "run"), "--set", "checkpoint.export_hf=false",
            "--set", shape, "--set", "checkpoint.interval=3"]
    first = subprocess.run([*args, "--set", "training.max_steps=3"], env=ENV, capture_output=True, text=True, timeout=600)
    pwned = d / "PWNED"
    metadata = next((d / "run" / "checkpoints").glob("step_*/.metadata"), None)
    if first.returncode or metadata is None:
        return Attack(CHECKPOINT, "a planted checkpoint .metadata pickle, then resume", first.returncode,
                      "the first training run failed: " + (first.stderr.strip().splitlines() or ["?"])[-1][:120], False)
    metadata.write_bytes(pickle.dumps(_CreatesFile(pwned)))
    again = subprocess.run([*args, "--set", "training.max_steps=6"], env=ENV, capture_output=True, text=True, timeout=600)
    return Attack(CHECKPOINT, "a checkpoint's .metadata replaced by a pickle that creates a file, then resume",
                  again.returncode, ("PICKLE RAN; " if pwned.exists() else "") + lab.said(again),
                  not pwned.exists() and lab.one_line_exit_2(again, "changed since this run wrote it"))


ATTACKS: list[Callable[[Lab], Attack]] = [
    git_metadata, linked_tree, swallowing(True), swallowing(False), bad_utf8_row, odd_names, bound_secrets, iso2022,
    repeated_ids("web"), repeated_ids("wiki"), ids_across_files("web"), ids_across_files("wiki"),
    ids_across_files("text"), unclosed_templates, planted_checkpoint,
]


def run_attacks(work: Path, say=print) -> list[Attack]:
    return attacks.run_attacks(work, say, ATTACKS)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="jacorpus_ingest_attacks_") as tmp:
        found = run_attacks(Path(tmp))
    print(table(found))
    sys.exit(0 if all(r.held for r in found) else 1)
