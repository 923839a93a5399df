"""Slurm for the scale-out tests: a real one-node cluster, or the generated scripts run in order.

`start_slurm` starts `slurmctld` and `slurmd` (Debian's slurm-wlm 22.05: `apt-get install
slurmctld slurmd slurm-client`) on this machine with a config of their own (auth/none, one
node with this machine's cores and memory, state under a temp dir), reached through
SLURM_CONF; it needs root, as slurmd does. `sbatch_recorder` puts a `sbatch` in front of the
real one that logs each submission (arguments and script) and hands it on, so a test can
read the dependency chain datatrove asked for.

Without Slurm, `FakeScheduler` plays the cluster's part for the same scripts: `sbatch` only
records and prints a job id, and the test then runs each recorded job in submission order,
every array index of it, with the environment Slurm gives a job, and `srun` reduced to
running its command. A job whose `afterok` dependency did not run or failed is an error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


# -- a real cluster -----------------------------------------------------------------------------


@dataclass
class SlurmCluster:
    root: Path
    env: dict[str, str]
    daemons: list[subprocess.Popen] = field(default_factory=list)

    def queue(self) -> list[str]:
        done = subprocess.run(["squeue", "-h", "-o", "%i %j %T %r"], env=self.env, capture_output=True, text=True,
                              timeout=60)
        return [line for line in done.stdout.splitlines() if line.strip()]

    def wait_idle(self, timeout: float = 900) -> None:
        deadline = time.time() + timeout
        while queue := self.queue():
            assert time.time() < deadline, f"Slurm jobs did not finish: {queue}"
            time.sleep(1)

    def stop(self) -> None:
        for daemon in self.daemons:
            daemon.kill()
            daemon.wait(timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


def slurm_installed() -> bool:
    return all(shutil.which(tool) for tool in ("slurmctld", "slurmd", "sbatch", "squeue", "srun")) and os.geteuid() == 0


def start_slurm() -> SlurmCluster:
    """One node, partition `debug`, this machine's cores; returns once the node is idle."""
    root = Path(tempfile.mkdtemp(prefix="jslurm", dir="/tmp"))  # short: slurmd's sockets live here
    for sub in ("state", "spool", "log"):
        (root / sub).mkdir()
    host = socket.gethostname().split(".")[0]
    memory_mb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemTotal:"))) // 1024
    conf = root / "slurm.conf"
    conf.write_text(f"""ClusterName=jacorpus
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
NodeName={host} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} RealMemory={memory_mb * 9 // 10} State=UNKNOWN
PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP
""")
    env = {**os.environ, "SLURM_CONF": str(conf)}
    cluster = SlurmCluster(root, env)
    try:
        for daemon in (["slurmctld", "-D", "-i"], ["slurmd", "-D"]):
            cluster.daemons.append(subprocess.Popen(daemon, env=env, stdout=subprocess.DEVNULL,
                                                    stderr=open(root / "log" / f"{daemon[0]}.err", "w")))
        deadline = time.time() + 60
        while True:
            done = subprocess.run(["sinfo", "-h", "-o", "%t"], env=env, capture_output=True, text=True, timeout=30)
            if done.stdout.strip() == "idle":
                break
            if time.time() > deadline:
                logs = "".join(p.read_text()[-1000:] for p in (root / "log").iterdir())
                raise RuntimeError(f"the Slurm node never became idle ({done.stdout.strip()!r}): {logs}")
            time.sleep(0.5)
    except BaseException:
        cluster.stop()
        raise
    return cluster


# -- what was submitted -------------------------------------------------------------------------


def sbatch_recorder(bin_dir: Path, log: Path, real_sbatch: str | None) -> Path:
    """A `sbatch` that logs {args, script} and runs the real one, or (None) prints a job id."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    hand_on = (f"import subprocess\nout = subprocess.run([{real_sbatch!r}, *sys.argv[1:]], capture_output=True, "
               "text=True)\nsys.stderr.write(out.stderr)\nprint(out.stdout, end='')\njob = out.stdout.split()[-1] "
               "if out.returncode == 0 else None\ncode = out.returncode\n") if real_sbatch else (
        f"job = str(1000 + sum(1 for _ in open({str(log)!r}))) if os.path.exists({str(log)!r}) else '1000'\n"
        "print(f'Submitted batch job {job}')\ncode = 0\n")
    return _executable(bin_dir / "sbatch", (
        f"#!{sys.executable}\nimport json, os, sys\n"
        "script = open(sys.argv[-1]).read()\n" + hand_on +
        f"with open({str(log)!r}, 'a') as f:\n"
        "    f.write(json.dumps({'job': job, 'args': sys.argv[1:-1], 'script': script}) + '\\n')\n"
        "sys.exit(code)\n"))


@dataclass
class Submission:
    job: str
    name: str
    array: range | None
    dependencies: list[tuple[str, str]]  # (afterok | afterany, job id)
    export: dict[str, str]
    script: str


def submissions(log: Path) -> list[Submission]:
    out = []
    for line in log.read_text().splitlines() if log.exists() else []:
        call = json.loads(line)
        directives = dict(re.findall(r"^#SBATCH --([\w-]+)(?:=(.*))?$", call["script"], re.M))
        options = dict(a[2:].split("=", 1) for a in call["args"] if a.startswith("--") and "=" in a)
        array = None
        if "array" in directives:
            first, last = re.match(r"(\d+)-(\d+)", directives["array"]).groups()
            array = range(int(first), int(last) + 1)
        dependency = options.get("dependency") or directives.get("dependency") or ""
        deps = [tuple(d.split(":", 1)) for d in dependency.split(",") if d]
        export = dict(kv.split("=", 1) for kv in options.get("export", "").split(",") if "=" in kv)
        name = directives.get("job-name", "")
        if "merge_stats " in call["script"]:  # datatrove's stats merge after each array, same job name
            name += "/merge_stats"
        out.append(Submission(call["job"], name, array, deps, export, call["script"]))
    return out


def dependency_chain(subs: list[Submission]) -> dict[str, set[str]]:
    """job name -> names of the jobs it waits on with afterok."""
    names = {s.job: s.name for s in subs}
    return {s.name: {names[j] for kind, j in s.dependencies if kind == "afterok"} for s in subs if s.name}


# -- no cluster: the scripts run in order -----------------------------------------------------


@dataclass
class FakeScheduler:
    """Runs recorded jobs as Slurm would run them on one node, one array index at a time."""

    bin_dir: Path
    log: Path
    env: dict[str, str]
    ran: dict[str, bool] = field(default_factory=dict)  # job id -> succeeded

    @classmethod
    def create(cls, root: Path) -> "FakeScheduler":
        bin_dir, log = root / "bin", root / "sbatch_calls.jsonl"
        sbatch_recorder(bin_dir, log, None)
        # squeue: nothing is ever left queued, the test runs every job before the next `jacorpus run`
        _executable(bin_dir / "squeue", "#!/bin/sh\nexit 0\n")
        # what datatrove asks of scontrol in a job: the node list's host names
        _executable(bin_dir / "scontrol", "#!/bin/sh\n[ \"$1 $2\" = \"show hostnames\" ] && echo \"$3\" && exit 0\nexit 1\n")
        # srun inside a job: drop its options and run the command in this job's environment
        _executable(bin_dir / "srun", "#!/bin/bash\nwhile [[ $1 == -* ]]; do\n"
                    "  case $1 in -n|-N|-c) shift 2;; *) shift;; esac\ndone\nexec \"$@\"\n")
        env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
        return cls(bin_dir, log, env)

    def run_pending(self, cwd: Path) -> None:
        for sub in submissions(self.log):
            if sub.job in self.ran:
                continue
            for kind, job in sub.dependencies:
                assert job in self.ran, f"{sub.name} waits on job {job}, which was never submitted before it"
                if kind == "afterok" and not self.ran[job]:
                    raise AssertionError(f"{sub.name}: its afterok dependency {job} failed")
            script = cwd / f"job_{sub.job}.sh"
            script.write_text(sub.script)
            for index in sub.array or [0]:
                env = {**self.env, **sub.export, "SLURM_JOB_ID": sub.job, "SLURM_ARRAY_JOB_ID": sub.job,
                       "SLURM_ARRAY_TASK_ID": str(index), "SLURM_NODELIST": "localhost", "SLURM_NODEID": "0",
                       "SLURM_JOB_NAME": sub.name}
                if sub.array is None:
                    env.pop("SLURM_ARRAY_TASK_ID")
                done = subprocess.run(["bash", str(script)], cwd=cwd, env=env, capture_output=True, text=True,
                                      timeout=900)
                assert done.returncode == 0, f"job {sub.name} [{index}]: {done.stderr[-3000:]}"
            self.ran[sub.job] = True
