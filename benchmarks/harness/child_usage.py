"""One command's exit code, CPU seconds and peak RSS, measured from a small launcher process.

A child started straight from a large benchmark process would inherit the benchmark's peak
RSS in its `ru_maxrss` (vfork + exec records the parent's high-water mark), so every stage
would look at least as big as the benchmark. The launcher is small; `os.wait4` gives the CPU
of the child and every process it waited for, and the largest RSS among them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = proc.stderr.read()
_, status, usage = os.wait4(proc.pid, 0)
code = os.waitstatus_to_exitcode(status)
if code:
    sys.stderr.write(err.decode(errors="replace")[-3000:])
print(code, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


@dataclass
class Usage:
    code: int
    cpu_s: float
    peak_rss_mb: float
    wall_s: float


def measure(args: list[str], cwd: Path, env: dict[str, str]) -> Usage:
    """Run `args` under the launcher; a failing command's stderr tail goes to our stderr."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", LAUNCHER, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, check=False)
    wall = time.perf_counter() - started
    code, cpu, maxrss_kb = done.stdout.split()
    if int(code):
        sys.stderr.write(done.stderr[-3000:])
    return Usage(int(code), float(cpu), int(maxrss_kb) / 1024, wall)


def with_root_on_path(root: Path, **extra: str) -> dict[str, str]:
    """This environment with `root` first on PYTHONPATH (the child imports the checkout) and `extra` set."""
    path = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}
