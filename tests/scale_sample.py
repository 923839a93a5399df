"""A reduced `pipelines/shared_sample.yaml` for the scale-out tests (Ray, Slurm), and how their
outputs are compared with a local run.

The sample keeps every source kind and so every stage and pass: the two real WARCs, the first
`WIKI_PAGES` pages of the real jawiki dump (the whole slice takes most of the run's time), the
five PyPI sdists, and KWDLC web leads as a `kind: text` source with exact and near copies of
some of them, so that dedup's exact and MinHash passes remove documents, not only read them.
A run on two cores takes about a minute.

Runs to be compared go to the same run directory one after the other (the first is moved
aside): documents and reports record the paths they came from.
"""

from __future__ import annotations

import bz2
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import yaml

from benchmarks.harness.run_outputs import BOOKKEEPING_DIRS, BOOKKEEPING_FILES, differences, outputs

STAGES = ["ingest_web", "ingest_wiki", "ingest_code", "filter", "dedup", "tokenizer", "tokenize"]
WIKI_PAGES = 50
LEADS = 40  # KWDLC leads in the text source, before copies
# executor bookkeeping that differs between executors by design (Slurm scripts, the job a
# FunctionStage runs as on a cluster); every output file is compared
EXECUTOR_DIRS = {"slurm_logs", "job"}
EXECUTOR_FILES = {"launch_script.slurm", "executor.pik", "ranks_to_run.json", "slurm_jobs.json", "report_done"}


def wiki_slice(shared: Path, out: Path, pages: int = WIKI_PAGES) -> Path:
    """The dump's header and its first `pages` pages, closed as a whole dump is."""
    text = bz2.open(shared / "wiki" / "jawiki_pages-articles_first262pages_2022.xml.bz2").read().decode("utf-8")
    ends = [m.end() for m in re.finditer("</page>", text)]
    out.write_bytes(bz2.compress((text[: ends[pages - 1]] + "\n</mediawiki>\n").encode("utf-8")))
    return out


def leads_with_copies(shared: Path, out: Path, leads: int = LEADS, seed: int = 0) -> Path:
    """Real leads, then exact copies of some (full-width digits, other line breaks: equal after
    NFKC and whitespace folding) and near copies of others (a few characters changed)."""
    rng = random.Random(seed)
    with (shared / "text" / "kwdlc_web_leads.jsonl").open(encoding="utf-8") as f:
        rows = [json.loads(line) for line, _ in zip(f, range(leads))]
    out_rows = [{"id": f"lead{i}", "text": r["text"]} for i, r in enumerate(rows)]
    for i in range(0, leads, 5):  # exact copies
        text = rows[i]["text"].translate(str.maketrans("0123456789", "０１２３４５６７８９")).replace("\n", "\n\n")
        out_rows.append({"id": f"lead{i}_copy", "text": text})
    for i in range(2, leads, 5):  # near copies: 1% of the characters replaced
        chars = list(rows[i]["text"])
        for j in rng.sample(range(len(chars)), max(1, len(chars) // 100)):
            chars[j] = "ー"
        out_rows.append({"id": f"lead{i}_near", "text": "".join(chars)})
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out_rows), encoding="utf-8")
    return out


def write_sample(folder: Path, shared: Path, executor: dict, run_dir: Path) -> Path:
    """Inputs (once), a source manifest and a pipeline YAML under `folder`; returns the YAML's path."""
    folder.mkdir(parents=True, exist_ok=True)
    wiki, leads = folder / "jawiki_slice.xml.bz2", folder / "leads.jsonl"
    if not wiki.exists():
        wiki_slice(shared, wiki)
    if not leads.exists():
        leads_with_copies(shared, leads)
    manifest = {"sources": [
        {"name": "ja_fixture_pages", "kind": "web", "paths": [str(shared / "web" / "ja_fixture_pages_packed.warc.gz")]},
        {"name": "cc_main_2020_34_non_ja", "kind": "web",
         "paths": [str(shared / "web" / "cc-main-2020-34_sample_non-ja.warc.gz")]},
        {"name": "jawiki_slice", "kind": "wiki", "paths": [str(wiki)], "licence": "CC-BY-SA-4.0"},
        {"name": "pypi_sdists", "kind": "code", "paths": [str(shared / "code" / "*.tar.gz")],
         "licence_policy": {"allow": ["MIT", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0"], "unknown": "exclude"}},
        {"name": "kwdlc_leads", "kind": "text", "paths": [str(leads)], "licence": "research-only",
         "read": {"source": "web"}},
    ]}
    (folder / "sources.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True))
    config = {
        "run_dir": str(run_dir),
        "sources": [str(folder / "sources.yaml")],
        "executor": executor,
        "stages": {"tokenizer": {"options": {"vocab_size": 8000}}, "train": {"enabled": False}},
    }
    path = folder / f"pipeline_{executor['type']}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def start_pipeline(config: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`jacorpus run CONFIG` started in its own process group (so a timeout kills all of it)."""
    root = Path(__file__).resolve().parent.parent
    env = {**(env if env is not None else os.environ), "PYTHONPATH": str(root)}
    return subprocess.Popen([sys.executable, "-m", "corpus.cli", "run", str(config), "--quiet"], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(proc: subprocess.Popen, timeout: float = 900) -> str:
    """The run's stderr once it ends; fails the test on an error."""
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    assert proc.returncode == 0, err[-4000:]
    return err


def run_pipeline(config: Path, env: dict[str, str] | None = None, timeout: float = 900) -> str:
    """`jacorpus run CONFIG` in its own process; returns its stderr, fails the test on an error."""
    return finish(start_pipeline(config, env), timeout)


def assert_same_as_local(run: Path, local: Path) -> None:
    """A scaled-out run kept, excluded and tokenized exactly what the local run did."""
    found, reference = documents(run), documents(local)
    for stage in STAGES[:5]:
        assert found[stage] == reference[stage], f"{stage}: other documents, texts or reasons than local"
    assert token_files(run) == token_files(local)
    assert differences(compared_outputs(run), compared_outputs(local)) == []


def local_reference(tmp_path_factory, shared: Path) -> tuple[Path, Path]:
    """(sample folder, local run's outputs), made once per test session and shared by the
    scale-out test modules; later runs go to `<sample>/run`, the path the local run had."""
    root = tmp_path_factory.getbasetemp() / "scale_sample"
    local = root / "local"
    if not (local / "report_done").exists():
        shutil.rmtree(root, ignore_errors=True)
        run_pipeline(write_sample(root / "in", shared, {"type": "local", "tasks": 2, "workers": 2}, root / "run"))
        move_aside(root / "run", local)
        (local / "report_done").touch()
    return root, local


def compared_outputs(run_dir: Path) -> dict[str, object]:
    """Every output file of a run (bytes, or JSON without timings), without executor bookkeeping;
    the run manifest without the config, which names the executor, and the code version (a
    commit may land between the runs)."""
    found = outputs(run_dir)
    kept = {}
    for rel, value in found.items():
        parts = Path(rel).parts
        if set(parts[:-1]) & (EXECUTOR_DIRS | BOOKKEEPING_DIRS) or parts[-1] in EXECUTOR_FILES | BOOKKEEPING_FILES:
            continue
        if rel == "manifest.json":
            value = {k: v for k, v in value.items() if k not in ("config", "config_file", "code_version")}
        kept[rel] = value
    return kept


def documents(run_dir: Path) -> dict[str, list[tuple]]:
    """stage -> sorted (kept|excluded, id, text, reason) of every document row it wrote."""
    found: dict[str, list[tuple]] = {}
    for path in sorted(run_dir.glob("*/*/*.parquet")):
        stage, folder = path.parts[-3], path.parts[-2]
        if folder not in ("shards", "excluded"):
            continue
        for row in pq.read_table(path, columns=["id", "text", "metadata"]).to_pylist():
            found.setdefault(stage, []).append((folder, row["id"], row["text"], (row["metadata"] or {}).get("reason")))
    return {stage: sorted(rows) for stage, rows in found.items()}


def token_files(run_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in sorted((run_dir / "tokenize").rglob("*"))
            if p.suffix in (".bin", ".idx")}


def move_aside(run_dir: Path, to: Path) -> Path:
    shutil.move(str(run_dir), str(to))
    return to
