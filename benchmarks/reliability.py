"""The reliability numbers of the README: faults injected and survived, bad inputs tried,
documents lost, operator-safety attacks held, peak RSS at 1x and 4x input per stage.

    python benchmarks/reliability.py                      # everything (~10 minutes on 2 cores)
    python benchmarks/reliability.py --only bad faults    # or: attacks, memory
    python benchmarks/reliability.py --update-doc         # rewrite the numbers in docs/reliability.md and README.md

- **bad inputs**: the hostile files of benchmarks/evalsets/bad_inputs.py (truncated gzip and bzip2, WARC
  cut mid-record, zero-byte files, Shift_JIS behind a UTF-8 claim, invalid XML, 100 MB
  lines, NUL bytes, zip and compression bombs, path traversal, broken parquet) go through
  each stage's CLI next to good files. Per stage: exit code, documents in, kept and excluded
  as found on disk, and *lost* = in - kept - excluded. Kept rows that still carry a reader's
  exclusion reason are counted apart (`kept unreadable`): accounted for, but wrongly kept.
- **faults**: each stage runs on three input files as three tasks; it is killed with
  SIGKILL (the whole process group) once at a task's start and once after the first task
  completed, then rerun with the same command. Survived = the rerun exits 0, leaves no
  `.partial` file, and its outputs equal an uninterrupted run's byte for byte (timings
  aside). Plus one kill of the whole demo pipeline (`jacorpus run`) in the middle of the
  filter stage. Lost documents = rows of the uninterrupted run missing after the rerun.
- **attacks**: benchmarks/attacks.py: hostile manifests (git options, path traversal), a
  wrong `-o` with `--force`, stale reruns, concurrent runs, killed main processes, changed
  downloads, operator mistakes that must cost one line, hostile names and escape bytes in
  what `inspect` and `report` print; and benchmarks/ingest_attacks.py: git metadata and
  links that reach outside a tree, WARC records hidden by a lying Content-Length, a
  parquet value that is not UTF-8, undecodable file names, secrets bound to a name,
  ISO-2022-JP labelled UTF-8, repeated ids, unclosed wiki templates, a planted checkpoint
  pickle. Each with what happened and whether it held.
- **memory**: benchmarks/memory.py, 1x and 4x input per stage.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import attacks
from benchmarks.evalsets import bad_inputs as bad
import ingest_attacks
import memory
import pyarrow.parquet as pq
from benchmarks.harness.run_outputs import differences, outputs

DOC = ROOT / "docs" / "reliability.md"
README = ROOT / "README.md"
BEGIN, END = "<!-- reliability-numbers:begin -->", "<!-- reliability-numbers:end -->"
ATTACKS_BEGIN, ATTACKS_END = "<!-- reliability-attacks:begin -->", "<!-- reliability-attacks:end -->"
ENV = {**os.environ, "JACORPUS_QUIET": "1", "PYTHONPATH": str(ROOT)}


def cli(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "corpus.cli", *args, "--quiet"], cwd=cwd, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def finish(proc: subprocess.Popen, timeout: float = 900) -> int:
    _, err = proc.communicate(timeout=timeout)
    if proc.returncode:
        sys.stderr.write(err.decode(errors="replace")[-2000:])
    return proc.returncode


def disk_rows(stage_dir: Path) -> tuple[list[dict], list[dict]]:
    """(kept, excluded) rows as the shards on disk hold them."""
    found: dict[str, list[dict]] = {"shards": [], "excluded": []}
    for folder in found:
        for f in sorted((stage_dir / folder).glob("*.parquet")):
            found[folder] += [{"id": r["id"], "reason": (r["metadata"] or {}).get("reason")}
                              for r in pq.read_table(f, columns=["id", "metadata"]).to_pylist()]
    return found["shards"], found["excluded"]


# -- bad inputs -----------------------------------------------------------------------------


@dataclass
class BadRun:
    stage: str
    files: int
    bad_files: int
    exit_code: int
    documents_in: int = 0
    kept: int = 0
    excluded: int = 0
    kept_unreadable: int = 0
    reasons: Counter = field(default_factory=Counter)

    @property
    def lost(self) -> int:
        return self.documents_in - self.kept - self.excluded


def run_bad(stage: str, args: list[str], inputs: list[Path], work: Path) -> BadRun:
    out = work / f"out_{stage}"
    code = finish(cli([*args, "--input", *map(str, inputs), "--output", str(out)], cwd=work))
    n_bad = sum(not p.name.startswith("good") for p in inputs)
    run = BadRun(stage, len(inputs), n_bad, code)
    if code != 0 or not (out / "report.json").is_file():
        return run
    report = json.loads((out / "report.json").read_text())
    kept, excluded = disk_rows(out)
    run.documents_in = report["documents"]["in"]
    run.kept = len(kept) if (out / "shards").is_dir() else report["documents"]["kept"]  # tokenize: .bin files
    run.excluded = len(excluded)
    run.kept_unreadable = sum(1 for r in kept if r["reason"])
    if stage == "tokenize":  # kept documents live in <source>/*.docs.parquet
        run.kept_unreadable = sum(1 for f in out.glob("*/*.docs.parquet")
                                  for r in pq.read_table(f, columns=["id"]).to_pylist() if r["id"].endswith("#unreadable"))
    run.reasons = Counter(r["reason"] for r in excluded)
    return run


def bad_inputs(work: Path) -> list[BadRun]:
    runs = []
    for stage, builder in (("ingest_web", bad.web_corpus), ("ingest_wiki", bad.wiki_corpus),
                           ("ingest_code", bad.code_corpus)):
        files = builder(work / stage)
        runs.append(run_bad(stage, ["ingest", stage.split("_")[1]], files, work))
        print(f"[bad] {stage}: {runs[-1]}", flush=True)
    # a parquet file with no text column stops a stage before it starts (tests/test_bad_inputs.py),
    # so the stages here read the bad shards without it
    no_foreign = bad.shard_corpus(work / "shards_dedup", foreign=False)
    short = [bad.shard(work / "short.parquet", [("web/long", bad.JA_PARAGRAPH * 2), ("web/s1", "あいう"),
                                                 ("web/s2", "あいう")])]
    model = bad.sentencepiece_model(work / "tok")
    for stage, args, files in (("filter", ["filter"], no_foreign), ("dedup", ["dedup"], no_foreign),
                               ("dedup (short duplicates)", ["dedup"], short),
                               ("tokenize", ["tokenize", "--set", f"tokenizer={model}"], no_foreign)):
        run = run_bad(stage.split()[0], args, files, work)
        run.stage = stage
        if stage.startswith("dedup ("):
            run.bad_files = 1
        runs.append(run)
        print(f"[bad] {stage}: {run}", flush=True)
        shutil.rmtree(work / f"out_{stage.split()[0]}", ignore_errors=True)
    return runs


# -- faults ---------------------------------------------------------------------------------


def started(out: Path) -> bool:
    return any(out.glob("**/logs/task_*.log"))


def first_task_done(out: Path) -> bool:
    return any(p.is_file() for p in out.glob("**/completions/*"))


KILL_POINTS = {"task_started": started, "first_task_done": first_task_done}
NOT_KILLED = "finished before the kill point"


@dataclass
class Fault:
    target: str
    point: str
    state_at_kill: str
    survived: bool
    lost: int
    detail: str = ""

    @property
    def injected(self) -> bool:
        return self.state_at_kill != NOT_KILLED


def state(out: Path) -> str:
    done = sum(1 for p in out.glob("**/completions/*") if p.is_file())
    partial = sum(1 for _ in out.rglob("*.partial"))
    return f"{done} task(s) done, {partial} partial file(s)"


def kill_when(proc: subprocess.Popen, predicate, out: Path, timeout: float = 600) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if predicate(out):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
            return state(out)
        time.sleep(0.01)
    proc.wait(timeout=60)
    return NOT_KILLED


def reference_rows(stage_dir: Path) -> set[str]:
    kept, excluded = disk_rows(stage_dir)
    ids = {f"kept:{r['id']}" for r in kept} | {f"excluded:{r['id']}" for r in excluded}
    for f in stage_dir.glob("*/*.docs.parquet"):  # token shards
        ids |= {f"tokens:{r['id']}" for r in pq.read_table(f, columns=["id"]).to_pylist()}
    return ids


def fault_inputs(work: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Per stage: (CLI words, three input files), big enough that a task takes a second or more."""
    d = work / "fault_inputs"
    d.mkdir(parents=True)
    web = [memory.concatenate(memory.DATA / "web" / "ja_fixture_pages_packed.warc.gz", d / f"w{i}.warc.gz", 2)
           for i in range(3)]
    wiki_src = memory.DATA / "wiki" / "jawiki_pages-articles_first262pages_2022.xml.bz2"
    wiki = [shutil.copy(wiki_src, d / f"jawiki{i}-pages-articles.xml.bz2") for i in range(3)]
    code = []
    for i in range(3):
        repo = d / f"code{i}"
        repo.mkdir()
        for sdist in sorted((memory.DATA / "code").glob("*.tar.gz")):
            shutil.copy(sdist, repo / f"{i}_{sdist.name}")
        code.append(repo)
    docs = memory.japanese_documents(1800, seed=7)
    shards = [memory.write_shard(d / f"docs{i}.parquet", docs[i * 600:(i + 1) * 600], prefix=f"s{i}_") for i in range(3)]
    tok = ["--set", f"tokenizer={memory.TOKENIZER}"]
    return {
        "ingest_web": (["ingest", "web"], list(map(str, web))),
        "ingest_wiki": (["ingest", "wiki"], list(map(str, wiki))),
        "ingest_code": (["ingest", "code"], list(map(str, code))),
        "filter": (["filter"], list(map(str, shards))),
        "dedup": (["dedup"], list(map(str, shards))),
        "tokenize": (["tokenize", *tok], list(map(str, shards))),
    }


def stage_faults(work: Path) -> list[Fault]:
    faults = []
    for stage, (words, inputs) in fault_inputs(work).items():
        out = work / stage  # every run writes here: outputs record paths, so compare like with like
        args = [*words, "--input", *inputs, "--output", str(out), "--tasks", "3", "--workers", "1"]
        if finish(cli(args, cwd=work)) != 0:
            raise RuntimeError(f"{stage}: the uninterrupted run failed")
        reference, ref_ids = outputs(out), reference_rows(out)
        shutil.rmtree(out)
        for point, predicate in KILL_POINTS.items():
            at_kill = kill_when(cli(args, cwd=work), predicate, out)
            code = finish(cli(args, cwd=work))
            diff = differences(reference, outputs(out)) if code == 0 else ["rerun failed"]
            partial = list(out.rglob("*.partial"))
            lost = len(ref_ids - reference_rows(out)) if code == 0 else len(ref_ids)
            fault = Fault(stage, point, at_kill, code == 0 and not diff and not partial, lost,
                          "; ".join(diff[:3] + [str(p) for p in partial[:2]]))
            faults.append(fault)
            print(f"[fault] {fault}", flush=True)
            shutil.rmtree(out)
    return faults


def run_outputs(run_dir: Path) -> dict[str, object]:
    """A run's outputs as compared, less manifest.json's `code_version`: in a checkout others
    commit to, the commit moves between the uninterrupted run and the rerun."""
    found = outputs(run_dir)
    if isinstance(found.get("manifest.json"), dict):
        found["manifest.json"] = {k: v for k, v in found["manifest.json"].items() if k != "code_version"}
    return found


def pipeline_fault(work: Path) -> Fault:
    """`jacorpus run` (the demo) killed while the filter stage runs, then run again."""
    d = work / "pipeline"
    d.mkdir()

    def run() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "corpus.cli", "run", "--quiet"], cwd=d, env=ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)

    if finish(run()) != 0:
        raise RuntimeError("the uninterrupted demo run failed")
    reference = run_outputs(d / "runs" / "demo")
    ref_ids = set().union(*(reference_rows(p) for p in (d / "runs" / "demo").iterdir() if p.is_dir()))
    shutil.rmtree(d / "runs")
    filter_dir = d / "runs" / "demo" / "filter"
    at_kill = kill_when(run(), lambda _: started(filter_dir), filter_dir)
    code = finish(run())
    after = run_outputs(d / "runs" / "demo")
    diff = differences(reference, after) if code == 0 else ["rerun failed"]
    ids = set().union(*(reference_rows(p) for p in (d / "runs" / "demo").iterdir() if p.is_dir()))
    fault = Fault("jacorpus run (demo)", "filter_started", at_kill, code == 0 and not diff, len(ref_ids - ids),
                  "; ".join(diff[:3]))
    print(f"[fault] {fault}", flush=True)
    return fault


# -- report ---------------------------------------------------------------------------------


def attacks_summary(results: list) -> str:
    """The README's short table: per kind of attack, how many were tried and held."""
    by_topic: dict[str, list] = {}
    for r in results:
        by_topic.setdefault(r.topic, []).append(r)
    lines = [f"**Attacks**: {sum(r.held for r in results)} of {len(results)} hostile inputs and operator mistakes "
             "held (each case, and what happened, in docs/reliability.md):", "",
             "| what | attacks | held |", "|---|---:|---:|"]
    for topic, rows in by_topic.items():
        lines.append(f"| {topic} | {len(rows)} | {sum(r.held for r in rows)} |")
    return "\n".join(lines)


def render(bad_runs: list[BadRun], faults: list[Fault], memory_measures: list, command: str,
           attack_results: list | None = None) -> str:
    lines = [f"Produced by `{command}` on {time.strftime('%Y-%m-%d')} (2 shared CPU cores).", ""]
    if bad_runs:
        tried = sum(r.bad_files for r in bad_runs)
        lost = sum(r.lost for r in bad_runs)
        wrong = sum(r.kept_unreadable for r in bad_runs)
        crashed = [r.stage for r in bad_runs if r.exit_code != 0]
        nonzero = f" (non-zero: {', '.join(crashed)})" if crashed else ""
        lines += [(f"**Bad inputs**: {tried} hostile files through {len(bad_runs)} CLI runs; "
                   f"{len(bad_runs) - len(crashed)} exited 0{nonzero}; "
                   f"documents lost: **{lost}**; unreadable files kept as documents: {wrong}."), "",
                  "| stage | files (hostile) | exit | in | kept | excluded | lost | kept unreadable | excluded by reason |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
        for r in bad_runs:
            reasons = ", ".join(f"{k} {v}" for k, v in r.reasons.most_common())
            lines.append(f"| {r.stage} | {r.files} ({r.bad_files}) | {r.exit_code} | {r.documents_in} | {r.kept} | "
                         f"{r.excluded} | {r.lost} | {r.kept_unreadable} | {reasons} |")
        lines.append("")
    if faults:
        injected = [f for f in faults if f.injected]
        survived = sum(f.survived for f in injected)
        lines += [(f"**Faults**: {len(injected)} SIGKILLs injected, {survived} survived (rerun exits 0, no `.partial` "
                  f"file, outputs byte-identical to an uninterrupted run); documents lost: "
                  f"**{sum(f.lost for f in faults)}**"
                  f"{f' ({len(faults) - len(injected)} planned kills came too late: the run had finished)' if len(injected) < len(faults) else ''}."), "",
                  "| target | kill point | state at the kill | survived | lost |", "|---|---|---|---|---:|"]
        for f in faults:
            lines.append(f"| {f.target} | {f.point} | {f.state_at_kill} | {'yes' if f.survived else 'NO: ' + f.detail} | {f.lost} |")
        lines.append("")
    if attack_results:
        held = sum(r.held for r in attack_results)
        lines += [(f"**Attacks**: {len(attack_results)} operator-safety attacks through the CLI, {held} held "
                   f"(paths shortened to …, the host name to HOST)."), "",
                  attacks.table(attack_results), ""]
    if memory_measures:
        lines += ["**Memory**: peak RSS of the stage's process (wait4 `ru_maxrss`), one task, input in one file.", "",
                  memory.table(memory_measures), ""]
        huge = [m for m in memory_measures if m.stage.startswith("filter (one")]
        if huge:
            lines.append("One document on one line through the filter stage: " + "; ".join(
                f"{m.scale:,} characters: {m.peak_rss_mb:.0f} MB, {m.wall_s:.0f} s" for m in huge) + ".")
            lines.append("")
    return "\n".join(lines)


def update_doc(block: str, doc: Path = DOC, begin: str = BEGIN, end: str = END) -> None:
    text = doc.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{doc} has no {begin} ... {end} section")
    doc.write_text(pattern.sub(lambda _: f"{begin}\n{block}\n{end}", text), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parts = ("bad", "faults", "attacks", "memory")
    parser.add_argument("--only", nargs="+", choices=parts, default=list(parts))
    parser.add_argument("--update-doc", action="store_true", help=f"write the numbers into {DOC.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    if not memory.DATA.is_dir() and ({"faults", "memory"} & set(args.only)):
        print(f"faults and memory need the shared data at {memory.DATA}", file=sys.stderr)
        return 2
    bad_runs, faults, measures, attack_results = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="jacorpus_reliability_") as tmp:
        work = Path(tmp)
        if "bad" in args.only:
            bad_runs = bad_inputs(work / "bad")
        if "faults" in args.only:
            faults = stage_faults(work / "faults") + [pipeline_fault(work / "faults")]
        if "attacks" in args.only:
            (work / "attacks").mkdir()
            attack_results = attacks.run_attacks(work / "attacks") + ingest_attacks.run_attacks(work / "ingest_attacks")
        if "memory" in args.only:
            for stage in memory.STAGES:
                for scale in (1, 4):
                    measures.append(memory.measure(stage, scale, work / "memory"))
                    print(f"[memory] {measures[-1]}", flush=True)
            (work / "memory").mkdir(exist_ok=True)
            measures += [memory.measure_huge_document(work / "memory", n) for n in (1_000_000, 4_000_000)]
    command = "python benchmarks/reliability.py" + (f" --only {' '.join(args.only)}" if len(args.only) < len(parts) else "")
    block = render(bad_runs, faults, measures, command, attack_results)
    print(block)
    if args.update_doc:
        update_doc(block)
        if attack_results:
            update_doc(attacks_summary(attack_results), README, ATTACKS_BEGIN, ATTACKS_END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
