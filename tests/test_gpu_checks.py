"""The one-shot GPU script, dry-run on CPU with tiny shapes and the device's missing packages
blocked, so no import, path or argument error can waste device time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_gpu_checks_dry_run_on_cpu_without_datatrove(shared_data, tmp_path):
    inputs, scratch, out = tmp_path / "inputs", tmp_path / "scratch", tmp_path / "out"
    env = {**os.environ, "GPU_CHECKS_INPUTS": str(inputs), "GPU_CHECKS_SCRATCH": str(scratch), "OMP_NUM_THREADS": "1"}
    subprocess.run([sys.executable, "benchmarks/gpu_inputs.py", "--out", str(inputs), "--work", str(tmp_path / "work")],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=900)
    parts = "env,pytest_gpu,cli_mfu,realdata,vocab"
    done = subprocess.run([sys.executable, "benchmarks/gpu_checks.py", "--tiny", "--block-imports", "--budget", "1500",
                           "--only", parts, "--out", str(out)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((out / "gpu_checks.json").read_text())
    assert results["finished"] and sorted(results["parts"]) == sorted(parts.split(","))
    failed = {k: v.get("log_tail", "")[-800:] for k, v in results["parts"].items() if v["status"] != "ok"}
    assert not failed, failed
    assert results["parts"]["env"]["result"]["datatrove"] is None  # blocked as on the device
    real = results["parts"]["realdata"]["result"]
    assert real["resume"]["exact"] and real["bits_per_char_falls"] and real["hf_export"]["within_bf16_tolerance"]
    vocab = results["parts"]["vocab"]["result"]
    assert vocab["mean_init"]["max_abs_diff"] < 1e-6 and vocab["mean_init"]["base_rows_equal"]
    assert vocab["warmup_kept_base_rows"]["base_rows_identical"] and not vocab["warmup_kept_base_rows"]["other_weights_changed"]
    assert vocab["runs"]["expanded"]["chars_per_token"] > 1.5 * vocab["runs"]["base"]["chars_per_token"]
    assert results["parts"]["cli_mfu"]["result"]["step_lines"]
