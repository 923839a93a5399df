"""Operator-safety attacks through the real CLI: what a hostile manifest, a wrong `-o`, a
second run or a hostile document does, and whether the pipeline held.

    python benchmarks/attacks.py            # prints the table (about 2 minutes on 2 cores)

`benchmarks/reliability.py` runs these too and writes the table into docs/reliability.md.
Each attack runs `python -m corpus.cli ...` in a scratch directory and checks what matters
(no file created by a command, nothing deleted, nothing written outside `-o`, one line on
stderr with exit 2, no raw escape byte on stdout). `held` is the verdict.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.evalsets import bad_inputs as bad  # noqa: E402
from benchmarks.harness.loopback_http import LoopbackServer  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT), "JACORPUS_QUIET": "1", "COLUMNS": "200"}
RAW_CONTROLS = ("\x1b", "\x07", "\x9b")


# what each group of attacks checks
FETCH_COMMAND, FORCE, FETCH_PATHS = "fetch runs no command", "--force deletes only its own output", "fetch writes only under -o"
STALE, LOCK, VERIFY = "stale reruns refused", "one run per directory", "downloads verified"
ERRORS, TERMINAL, HTML = "errors in one line", "terminal output inert", "one stage's HTML report"


@dataclass
class Attack:
    topic: str
    attack: str
    exit: int | None
    outcome: str
    held: bool


class Lab:
    """A scratch directory, the CLI, and the checks the attacks share."""

    def __init__(self, root: Path):
        self.root = root
        self.n = 0

    def fresh(self, name: str) -> Path:
        self.n += 1
        d = self.root / f"{self.n:02d}_{name}"
        d.mkdir(parents=True)
        return d

    def cli(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "corpus.cli", *map(str, args)], cwd=cwd or self.root,
                              env=ENV, capture_output=True, text=True, timeout=900)

    def said(self, result: subprocess.CompletedProcess) -> str:
        """The one line a refusal prints (or a note that there were more), paths shortened."""
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        text = lines[0] if len(lines) == 1 else (f"{len(lines)} lines on stderr: {lines[-1]}" if lines else "(nothing)")
        text = text.replace(str(self.root), "…").replace(socket.gethostname(), "HOST")
        return text if len(text) <= 150 else text[:147] + "..."

    def one_line_exit_2(self, result: subprocess.CompletedProcess, must_say: str) -> bool:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        return (result.returncode == 2 and len(lines) == 1 and "Traceback" not in result.stderr
                and must_say in lines[0])


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def manifest(d: Path, sources: list[dict]) -> Path:
    path = d / "m.yaml"
    path.write_text(json.dumps({"sources": sources}))  # JSON is YAML
    return path


# -- 1, 4, 14: fetch ----------------------------------------------------------------------------


def git_attack(url: str, commit: str, label: str) -> Callable[[Lab], Attack]:
    def run(lab: Lab) -> Attack:
        d = lab.fresh("git")
        repo, head = bad.git_repo(d)
        pwned = d / "PWNED"
        fill = {"repo": str(repo), "pwned": str(pwned), "head": head}
        m = manifest(d, [{"name": "c", "kind": "code",
                          "remote": {"git": [{"url": url.format(**fill), "commit": commit.format(**fill)}]}}])
        r = lab.cli("fetch", m, "-o", d / "out", cwd=d)
        ran = pwned.exists()
        return Attack(FETCH_COMMAND, label, r.returncode, ("COMMAND RAN; " if ran else "") + lab.said(r),
                      not ran and lab.one_line_exit_2(r, "git") and not (d / "out").exists())
    return run


def file_url_when_asked(lab: Lab) -> Attack:
    d = lab.fresh("git_file")
    repo, head = bad.git_repo(d)
    m = manifest(d, [{"name": "c", "kind": "code", "remote": {"git": [{"url": f"file://{repo}", "commit": head}]}}])
    r = lab.cli("fetch", m, "-o", d / "out", "--allow-file-urls", "-q", cwd=d)
    got = list((d / "out" / "c").glob("*/LICENSE"))
    return Attack(FETCH_COMMAND, "file:// git URL with --allow-file-urls", r.returncode,
                  f"checked out at the pinned commit ({len(got)} tree)", r.returncode == 0 and len(got) == 1)


def outside_write(label: str, source: dict) -> Callable[[Lab], Attack]:
    def run(lab: Lab) -> Attack:
        d = lab.fresh("escape")
        text = json.dumps(source).replace("ABS/", str(d) + "/")
        m = manifest(d, [json.loads(text)])
        before = set(d.rglob("*"))
        r = lab.cli("fetch", m, "-o", d / "a" / "b" / "out", cwd=d)
        new = set(d.rglob("*")) - before - {d / "a", d / "a" / "b"}
        return Attack(FETCH_PATHS, label, r.returncode, (f"{len(new)} path(s) written; " if new else "") + lab.said(r),
                      not new and lab.one_line_exit_2(r, "not a plain file name"))
    return run


def overwritten_download(lab: Lab) -> Attack:
    d = lab.fresh("verify")
    (d / "www").mkdir()
    data = bytes(range(256)) * 40
    (d / "www" / "f.bin").write_bytes(data)
    server = LoopbackServer(d / "www")
    try:
        m = manifest(d, [{"name": "s", "kind": "code", "remote": {"files": [
            {"url": server.url + "f.bin", "sha256": hashlib.sha256(data).hexdigest()}]}}])
        first = lab.cli("fetch", m, "-o", d / "out", "-q", cwd=d)
        (d / "out" / "s" / "f.bin").write_bytes(b"\0" * len(data))  # other bytes, same size
        again = lab.cli("fetch", m, "-o", d / "out", "-q", cwd=d)
        fetched = server.gets("f.bin")
    finally:
        server.close()
    restored = (d / "out" / "s" / "f.bin").read_bytes() == data
    return Attack(VERIFY, "verified download overwritten with other bytes of the same size, fetch again",
                  again.returncode, f"fetched again ({fetched} GETs), file restored: {restored}",
                  first.returncode == 0 and again.returncode == 0 and restored and fetched == 2)


def local_sha256(lab: Lab) -> Attack:
    d = lab.fresh("local_sha")
    tree = bad.licensed_tree(d)
    m = manifest(d, [{"name": "c", "kind": "code", "paths": [str(tree)], "sha256": {"main.py": "ab" * 32}}])
    fetch = lab.cli("fetch", m, "-o", d / "out", cwd=d)
    (d / "pipe.yaml").write_text(f"run_dir: {d / 'RUN'}\nsources: [m.yaml]\n")
    run = lab.cli("run", d / "pipe.yaml", "-q", cwd=d)
    return Attack(VERIFY, "local source whose file does not match the manifest's sha256 (fetch, then run)",
                  run.returncode, f"fetch exit {fetch.returncode}; run: {lab.said(run)}",
                  fetch.returncode != 0 and "sha256 mismatch" in fetch.stderr
                  and lab.one_line_exit_2(run, "sha256 mismatch") and not (d / "RUN").exists())


# -- 2: --force and -o ---------------------------------------------------------------------------


def force_on(label: str, output: Callable[[Path], str], cwd: Callable[[Path], Path]) -> Callable[[Lab], Attack]:
    def run(lab: Lab) -> Attack:
        d = lab.fresh("force")
        bad.licensed_tree(d)
        (d / "mine").mkdir()
        (d / "mine" / "thesis.tex").write_text("\\begin{document}")
        (d / "notes.txt").write_text("notes")
        before = snapshot(d)
        r = lab.cli("ingest", "code", "-i", d / "d", "-o", output(d), "--force", "-q", cwd=cwd(d))
        kept = snapshot(d) == before
        return Attack(FORCE, label, r.returncode, ("FILES DELETED; " if not kept else "") + lab.said(r),
                      kept and lab.one_line_exit_2(r, ""))
    return run


# -- 10, 13: reruns and concurrent runs ----------------------------------------------------------


def stale(label: str, change: Callable[[Path], list[str]], must_say: str) -> Callable[[Lab], Attack]:
    def run(lab: Lab) -> Attack:
        d = lab.fresh("stale")
        tree = bad.licensed_tree(d)
        first = lab.cli("ingest", "code", "-i", tree, "-o", d / "out", "-q", cwd=d)
        extra = change(tree)
        r = lab.cli("ingest", "code", "-i", tree, "-o", d / "out", "-q", *extra, cwd=d)
        return Attack(STALE, label, r.returncode, lab.said(r), first.returncode == 0 and lab.one_line_exit_2(r, must_say))
    return run


HOLDER = ("import sys, time; sys.path.insert(0, {root!r}); from pathlib import Path; "
          "from corpus.run.run_lock import DirectoryLock; from corpus.run.stage_dir import claim; "
          "claim(Path(sys.argv[1]), 'ingest_code'); lock = DirectoryLock(sys.argv[1], 'jacorpus ingest_code').acquire(); "
          "Path(sys.argv[1], 'held').touch(); time.sleep(120)")


def concurrent_run(lab: Lab) -> Attack:
    d = lab.fresh("lock")
    tree = bad.licensed_tree(d)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=str(ROOT)), str(d / "out")])
    try:
        while not (d / "out" / "held").exists():
            time.sleep(0.05)
        (d / "out" / "held").unlink()
        r = lab.cli("ingest", "code", "-i", tree, "-o", d / "out", "-q", cwd=d)
    finally:
        holder.kill()
        holder.wait()
    return Attack(LOCK, "a second run on a stage directory another run is writing", r.returncode, lab.said(r),
                  lab.one_line_exit_2(r, f"in use by pid {holder.pid}"))


def stale_lock(lab: Lab) -> Attack:
    d = lab.fresh("stale_lock")
    tree = bad.licensed_tree(d)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (d / "out" / ".jacorpus").mkdir(parents=True)
    (d / "out" / ".jacorpus" / "stage.json").write_text('{"stage": "ingest_code"}')
    (d / "out" / ".jacorpus" / "lock").write_text(json.dumps({"pid": gone.pid, "host": socket.gethostname()}))
    r = lab.cli("ingest", "code", "-i", tree, "-o", d / "out", "-q", cwd=d)
    return Attack(LOCK, "a lock left by a killed run (dead pid, this host)", r.returncode,
                  "taken over; the stage ran" if r.returncode == 0 else lab.said(r),
                  r.returncode == 0 and (d / "out" / "report.json").is_file())


def live_in_group(pgid: int) -> int:
    n = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        n += fields[0] != "Z" and int(fields[2]) == pgid
    return n


def kill_main_only(lab: Lab) -> Attack:
    """The main process of a pool run killed alone (`kill PID`), while a worker writes."""
    from data_manifests.demo import make_all

    d = lab.fresh("kill_main")
    make_all(d / "in")
    ready, out = d / "ready", d / "out"
    args = ["ingest", "code", "-i", d / "in" / "code", "-o", out, "--tasks", "2", "--workers", "2", "-q"]
    proc = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "harness" / "stage_pause.py"), str(ready), "0", "--", *map(str, args)],
                            cwd=d, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while not ready.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    before = live_in_group(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    for _ in range(100):
        if not live_in_group(proc.pid):
            break
        time.sleep(0.1)
    left = live_in_group(proc.pid)
    if left:
        os.killpg(proc.pid, signal.SIGKILL)
    rerun = lab.cli(*args, cwd=d)
    return Attack(LOCK, "only the main process of a 2-worker run killed while a worker writes", rerun.returncode,
                  f"{before} processes before, {left} left after 10 s; rerun exit {rerun.returncode}",
                  before > 1 and left == 0 and rerun.returncode == 0 and not list(out.rglob("*.partial")))


# -- 15: errors a person can read ----------------------------------------------------------------


def one_line(label: str, setup: Callable[[Path], list], must_say: str, topic: str = ERRORS) -> Callable[[Lab], Attack]:
    def run(lab: Lab) -> Attack:
        d = lab.fresh("error")
        args = setup(d)
        r = lab.cli(*args, cwd=d)
        return Attack(topic, label, r.returncode, lab.said(r), lab.one_line_exit_2(r, must_say))
    return run


def _pipeline(d: Path, text: str) -> list:
    tree = bad.licensed_tree(d)
    (d / "m.yaml").write_text(f"sources:\n  - name: c\n    kind: code\n    paths: [{tree}]\n")
    (d / "pipe.yaml").write_text(text.replace("RUN", str(d / "RUN")))
    return ["run", d / "pipe.yaml", "-q"]


def _file_output(d: Path) -> list:
    (d / "afile").write_text("x")
    return ["ingest", "code", "-i", bad.licensed_tree(d), "-o", d / "afile", "-q"]


def _run_dir_file(d: Path) -> list:
    args = _pipeline(d, "run_dir: RUN\nsources: [m.yaml]\n")
    (d / "RUN").write_text("x")
    return args


def _empty_shard(d: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from corpus.formats.schema import SCHEMA

    pq.write_table(pa.Table.from_pylist([], schema=SCHEMA), d / "empty.parquet")
    return d / "empty.parquet"


def disk_full(lab: Lab) -> Attack:
    d = lab.fresh("disk_full")
    small = d / "small"
    small.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(small)], capture_output=True).returncode:
        return Attack(ERRORS, "disk full during a stage", None, "not run: mounting a tmpfs needs root", True)
    try:
        tree = bad.licensed_tree(d)
        for i in range(30):
            (tree / f"m{i}.py").write_text("".join(f"def f{j}_{i}():\n    return {(i * 600 + j) * 7919 % 1000003}\n"
                                                   for j in range(600)))
        r = lab.cli("ingest", "code", "-i", tree, "-o", small / "out", "-q", cwd=d)
    finally:
        subprocess.run(["umount", str(small)], check=False)
    return Attack(ERRORS, "disk full during a stage (a 256 kB tmpfs)", r.returncode, lab.said(r),
                  lab.one_line_exit_2(r, "disk full writing") and "free" in r.stderr)


# -- 16, 17: reports ------------------------------------------------------------------------------


def hostile_shard(d: Path) -> Path:
    return bad.shard(d / "x[red]y.parquet", [("web/x[/]y.py", "本文\x1b[2J\x1b]0;pwned\x07\x9b31m" + bad.JA_PARAGRAPH)],
                     source="x[/]y", licence="[/]MIT")


def inert(label: str, args: Callable[[Path], list]) -> Callable[[Lab], Attack]:
    def run(lab: Lab) -> Attack:
        d = lab.fresh("inert")
        r = lab.cli(*args(d), cwd=d)
        raw = [c for c in RAW_CONTROLS if c in r.stdout]
        return Attack(TERMINAL, label, r.returncode,
                      f"raw {raw!r} on the terminal" if raw else ("shown; controls as \\x1b escapes" if r.returncode == 0
                                                                 else lab.said(r)),
                      r.returncode == 0 and not raw and "MarkupError" not in r.stderr)
    return run


def _filtered(d: Path) -> Path:
    out = d / "run" / "filter"
    subprocess.run([sys.executable, "-m", "corpus.cli", "filter", "-i", str(hostile_shard(d)), "-o", str(out), "-q"],
                   cwd=d, env=ENV, check=True, capture_output=True)
    return out


def stage_html(lab: Lab) -> Attack:
    d = lab.fresh("html")
    tree = bad.licensed_tree(d)
    lab.cli("ingest", "code", "-i", tree, "-o", d / "run" / "ingest_code", "-q", cwd=d)
    lab.cli("report", d / "run", "--html", d / "run.html", cwd=d)
    r = lab.cli("report", d / "run" / "ingest_code", "--html", d / "stage.html", cwd=d)
    whole, one = (d / "run.html").read_text(), (d / "stage.html").read_text()
    section = lambda html: html[html.index('<h2 id="ingest_code">'):]  # noqa: E731
    return Attack(HTML, "report STAGE_DIR --html on one stage directory", r.returncode,
                  f"{section(one).count('<svg')} charts and {section(one).count('<details>')} sample documents, "
                  f"the same section as in the run's page",
                  r.returncode == 0 and section(one) == section(whole))


ATTACKS: list[Callable[[Lab], Attack]] = [
    git_attack("--upload-pack=touch {pwned};", "{repo}", "git URL `--upload-pack=touch PWNED;` (commit: a local repo)"),
    git_attack("{repo}", "--upload-pack=touch {pwned};", "git commit `--upload-pack=touch PWNED;`"),
    git_attack("ext::sh -c touch% {pwned}", "{head}", "git URL `ext::sh -c touch% PWNED`"),
    git_attack("file://{repo}", "{head}", "file:// git URL without --allow-file-urls"),
    git_attack("https://example.invalid/r.git", "abc123", "git commit that is not 40 hex characters"),
    file_url_when_asked,
    force_on("`ingest code -i d -o d --force` (output = input)", lambda d: str(d / "d"), lambda d: d),
    force_on("`-o . --force` in the folder that holds the input", lambda d: ".", lambda d: d),
    force_on("`-o mine --force`, a folder jacorpus did not make", lambda d: str(d / "mine"), lambda d: d),
    outside_write("source `name: ../../x`", {"name": "../../x", "kind": "web", "remote": {"files": [{"url": "https://h/a.bin"}]}}),
    outside_write("source `name: /abs/path`", {"name": "ABS/abs", "kind": "web", "remote": {"files": [{"url": "https://h/a.bin"}]}}),
    outside_write("wikipedia `files: [../../../x.bin]`", {"name": "w", "kind": "wiki", "remote": {"wikipedia": {
        "date": "20240101", "files": ["../../../x.bin"], "checksums": None}}}),
    stale("a file added behind the source glob, rerun",
          lambda t: (t / "new.py").write_text("x = 1\n") and [], "1 input file(s) added (new.py)"),
    stale("an option changed, rerun", lambda t: ["--set", "max_line_length=50"], "option max_line_length: 1000 -> 50"),
    stale("an input rewritten in place (same size), rerun",
          lambda t: (t / "main.py").write_text("def main():\n    return 2\n") and [], "1 input file(s) modified (main.py)"),
    concurrent_run,
    stale_lock,
    kill_main_only,
    overwritten_download,
    local_sha256,
    one_line("`-o` that is a file", _file_output, "is a file"),
    one_line("pipeline `run_dir` that is a file", _run_dir_file, "is a file"),
    one_line("`executor: {workers: 0}`", lambda d: _pipeline(d, "run_dir: RUN\nsources: [m.yaml]\nexecutor: {workers: 0}\n"),
             "workers must be -1"),
    one_line("`--set 'k=[1'`", lambda d: ["ingest", "code", "-i", bad.licensed_tree(d), "-o", d / "o", "--set", "k=[1"],
             "not valid YAML"),
    one_line("tokenize with a tokenizer that does not exist",
             lambda d: ["tokenize", "-i", _empty_shard(d), "-o", d / "t", "--set", f"tokenizer={d / 'no.model'}", "-q"],
             "tokenizer not found"),
    one_line("tokenizer train on 0 documents", lambda d: ["tokenizer", "train", "-i", _empty_shard(d), "-o", d / "t", "-q"],
             "tokenizer"),
    one_line("empty pipeline YAML", lambda d: _pipeline(d, ""), "empty pipeline config"),
    one_line("duplicate YAML keys", lambda d: _pipeline(d, "run_dir: RUN\nsources: [m.yaml]\nrun_dir: x\n"), "duplicate key"),
    one_line("`report /nonexistent`", lambda d: ["report", d / "nonexistent"], "no such run or stage directory"),
    disk_full,
    inert("`inspect` a shard with `x[/]y.py` names and ESC/OSC/CSI bytes", lambda d: ["inspect", hostile_shard(d)]),
    inert("`report RUN` of a stage that kept such documents", lambda d: ["report", _filtered(d).parent]),
    stage_html,
]


def run_attacks(work: Path, say=print, attacks: list[Callable[[Lab], Attack]] | None = None) -> list[Attack]:
    """Every attack (default: this module's) in its own folder under `work`, one line each."""
    lab = Lab(work)
    results = []
    for attack in ATTACKS if attacks is None else attacks:
        result = attack(lab)
        results.append(result)
        say(f"[attack] {'held' if result.held else 'FAILED'}: {result.topic}: {result.attack}: {result.outcome}")
    return results


def table(results: list[Attack]) -> str:
    lines = ["| what | attack | exit | what happened | held |", "|---|---|---:|---|---|"]
    for r in results:
        outcome = r.outcome.replace("|", "\\|")
        lines.append(f"| {r.topic} | {r.attack} | {'' if r.exit is None else r.exit} | {outcome} | "
                     f"{'yes' if r.held else '**NO**'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="jacorpus_attacks_") as tmp:
        found = run_attacks(Path(tmp))
    print(table(found))
    sys.exit(0 if all(r.held for r in found) else 1)
