"""Every GPU check of the trainer in one time-boxed run, results written as they come.

    bash benchmarks/gpu_checks.sh                  # on the device: installs .whl/, runs this into $OUT
    python benchmarks/gpu_checks.py --tiny --out /tmp/gpu_dry --block-imports   # CPU dry run of the same code

Why one script: device time is scarce (one H200 for 15 minutes a session, start-up
included) and cannot be retried cheaply, so every check is prepared and dry-run on CPU
(`--tiny`, tests/test_gpu_checks.py) and the device runs them all in one go. Inputs come
pre-made from benchmarks/gpu_inputs.py (`.gpu_inputs/`); the device has no datatrove.

Each part runs in its own subprocess with a timeout clipped to the time left, so a hang,
an out-of-memory or a crash costs that part only; `gpu_checks.json` in --out is rewritten
after every part (and parts record partial results as they go), `gpu_checks.log` holds
every part's output. Order and lanes (benchmarks/gpu_parts.py has the parts):

- phase A, three lanes at once (correctness, not speed, so they may share the GPU):
  1. `pytest -m gpu` of the trainer tests, `training.cli train` printing MFU per step, then
     vocabulary expansion (mean-init and warm-up checks on CUDA; its throughput is taken
     beside other work, so its absolute tokens/s are indicative only, while the ratio at
     equal MFU is chars/token over FLOPs/token of the two models and needs no quiet GPU)
  2. the real-data run (loss, bits per character, exact resume on CUDA, HF export reload),
     then the same run with float8 linears for loss parity
  3. compile-cache warm-ups for phase B's shapes (1B ours, 1B transformers, 3B, 1B float8)
- phase B, one at a time on a quiet GPU (timed), in the order of what is still unmeasured: the
  longest sequence with selective AC (never measured: on the H200 every length failed on a
  `--set` parsing bug since fixed), float8 against bf16 in one process (the H200 figure
  compares two runs), the FSDP2 bf16-parameter lever (never reached), then 1B MFU (ours fused
  and unfused loss, transformers) and 3B, both measured on the H200 (training/BENCHMARKS.md).
  Phase A gets 55% of the budget; the rest get what is left and say "skipped" otherwise.

Phase A passed on the H200, so the next session runs only what is left, with the whole budget:

    bash benchmarks/gpu_checks.sh --only seq_max,fp8_speed,mfu_levers,mfu_1b

(no warm-ups then, so each part compiles cold: ~240 s, ~100 s, ~150 s; mfu_1b gets the rest).
Warm-up parts' tokens/s are never results: they run beside the other lanes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SELF = Path(__file__).resolve()

# name: (seconds it may take at most, seconds it needs to be worth starting), device estimates in the docstring of gpu_parts
LANES_A = [["env", "pytest_gpu", "cli_mfu", "vocab"], ["realdata", "fp8_parity"],
           ["warm_1b", "warm_fp8", "warm_baseline", "warm_3b"]]
PHASE_B = ["seq_max", "fp8_speed", "mfu_levers", "mfu_1b", "mfu_3b"]
LIMITS = {
    "env": (60, 5), "pytest_gpu": (240, 30), "cli_mfu": (150, 30), "realdata": (270, 60), "fp8_parity": (150, 60),
    "warm_1b": (200, 30), "warm_baseline": (150, 30), "warm_3b": (200, 30), "warm_fp8": (150, 30),
    "mfu_1b": (200, 90), "mfu_3b": (150, 60), "fp8_speed": (150, 60), "vocab": (120, 45), "mfu_levers": (150, 60),
    "seq_max": (270, 60),
}
EXACT_PARTS = ("realdata", "fp8_parity")
PHASE_A_SHARE = 0.55
"""phase A may use this share of the budget; phase B gets the rest and whatever A leaves"""

BLOCKED_ON_DEVICE = ("datatrove", "loguru", "fugashi", "presidio_analyzer", "trafilatura", "resiliparse", "warcio",
                     "mwparserfromhell", "fasttext", "licenseclassifier")
"""what the device lacks; `--block-imports` makes the CPU dry run fail where the device would"""


def install_import_blocker(names: list[str]) -> None:
    class _Blocker:
        def find_spec(self, fullname, path=None, target=None):
            if fullname.split(".")[0] in names:
                raise ModuleNotFoundError(f"No module named {fullname!r} (blocked: absent on the GPU machine)")
            return None

    sys.meta_path.insert(0, _Blocker())


def launch_command(argv: list[str]) -> list[str]:
    """`python -m mod ...` or `python script.py ...` through this file, so the import blocker
    (GPU_CHECKS_BLOCK) applies to nested runs too."""
    return [sys.executable, str(SELF), "--exec", *argv]


def _exec(argv: list[str]) -> None:
    import runpy

    if argv and argv[0] == "-m":
        sys.argv = [argv[1], *argv[2:]]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = argv
        sys.path.insert(0, str(Path(argv[0]).resolve().parent))
        runpy.run_path(argv[0], run_name="__main__")


class Run:
    """The orchestrator: lanes, deadlines, the JSON and the log."""

    def __init__(self, out: Path, budget: float, tiny: bool, only: set[str] | None, block: bool):
        self.out, self.budget, self.tiny, self.only, self.block = out, budget, tiny, only, block
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.results = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "budget_s": budget, "tiny": tiny, "parts": {}}
        self.scratch = Path(os.environ.get("GPU_CHECKS_SCRATCH", "/tmp/gpu_checks"))
        self.scratch.mkdir(parents=True, exist_ok=True)
        out.mkdir(parents=True, exist_ok=True)
        self.log = out / "gpu_checks.log"
        self.log.write_text("")
        self.procs: dict[str, subprocess.Popen] = {}

    def left(self) -> float:
        return self.budget - (time.monotonic() - self.started)

    def save(self) -> None:
        with self.lock:
            self.results["elapsed_s"] = round(time.monotonic() - self.started, 1)
            tmp = self.out / ".gpu_checks.json.tmp"
            tmp.write_text(json.dumps(self.results, indent=1, default=str))
            os.replace(tmp, self.out / "gpu_checks.json")

    def env(self, name: str, room: float) -> dict:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "TOKENIZERS_PARALLELISM": "false",
               "TORCHINDUCTOR_CACHE_DIR": str(self.scratch / "inductor"), "GPU_CHECKS_SCRATCH": str(self.scratch)}
        env["GPU_CHECKS_DEADLINE"] = str(time.time() + room)  # parts stop their own subprocesses before it
        if name in EXACT_PARTS:  # cuBLAS's documented setting for reproducible results; not for timed parts
            env["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        if self.block:
            env["GPU_CHECKS_BLOCK"] = ",".join(BLOCKED_ON_DEVICE)
        return env

    def part(self, name: str, until: float) -> None:
        """Run one part in a subprocess, killed at min(its limit, `until` seconds after start)."""
        if self.only and name not in self.only:
            return
        limit, needs = LIMITS[name]
        if self.tiny:  # a shared 2-core CPU runs even the tiny shapes slowly; the device limits stay as set
            limit *= 4
        room = min(limit, until - (time.monotonic() - self.started))
        entry = {"status": "skipped", "reason": f"{room:.0f} s left, needs {needs}"} if room < needs else None
        if entry is None:
            result_file = self.scratch / f"{name}.json"
            result_file.unlink(missing_ok=True)
            part_log = self.scratch / f"{name}.log"
            cmd = [sys.executable, str(SELF), "--part", name, "--result", str(result_file)] + (["--tiny"] if self.tiny else [])
            t0 = time.monotonic()
            with part_log.open("w") as log:
                proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env(name, room), stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
                self.procs[name] = proc
                try:
                    rc = proc.wait(timeout=room)
                    status = "ok" if rc == 0 else "failed"
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, 9)
                    proc.wait()
                    rc, status = None, "timeout"
            self.procs.pop(name, None)
            text = part_log.read_text(errors="replace")
            entry = {"status": status, "rc": rc, "seconds": round(time.monotonic() - t0, 1), "limit_s": round(room)}
            if result_file.is_file():
                entry["result"] = json.loads(result_file.read_text())
            if status != "ok":
                entry["log_tail"] = text[-2500:]
            with self.lock, self.log.open("a") as f:
                f.write(f"\n===== {name}: {status} in {entry['seconds']} s =====\n{text[-200_000:]}\n")
        with self.lock:
            self.results["parts"][name] = entry
        self.save()
        print(f"[gpu_checks] {name}: {entry['status']} ({entry.get('seconds', 0)} s; {self.left():.0f} s left)", flush=True)

    def go(self) -> None:
        phase_a_end = self.budget * PHASE_A_SHARE
        lanes = [threading.Thread(target=lambda ls=lane: [self.part(n, phase_a_end) for n in ls]) for lane in LANES_A]
        for t in lanes:
            t.start()
        for t in lanes:
            t.join()
        for name in PHASE_B:
            self.part(name, self.budget - 5)
        self.results["finished"] = True
        self.save()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.environ.get("OUT", "/tmp/gpu_checks_out"))
    p.add_argument("--budget", type=float, default=525.0, help="seconds for everything (the device allows 600 a call)")
    p.add_argument("--tiny", action="store_true", help="CPU dry run: tiny shapes, same code paths")
    p.add_argument("--only", help="comma-separated part names")
    p.add_argument("--block-imports", action="store_true", help="fail on imports the GPU machine lacks (datatrove...)")
    p.add_argument("--part", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    p.add_argument("--exec", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    a = p.parse_args()
    blocked = [n for n in os.environ.get("GPU_CHECKS_BLOCK", "").split(",") if n]
    if blocked:
        install_import_blocker(blocked)
    if a.exec is not None:
        _exec(a.exec)
        return 0
    if a.part:
        sys.path.insert(0, str(ROOT))
        from benchmarks.gpu_parts import run_part

        return run_part(a.part, Path(a.result), a.tiny)
    run = Run(Path(a.out), a.budget, a.tiny, set(a.only.split(",")) if a.only else None, a.block_imports)
    print(f"[gpu_checks] budget {a.budget:.0f} s; results in {run.out / 'gpu_checks.json'}", flush=True)
    run.go()
    return 0


if __name__ == "__main__":
    sys.exit(main())
