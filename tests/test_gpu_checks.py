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
    parts = "env,pytest_gpu,cli_mfu,realdata,vocab,seq_max"
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
    # the shape goes in as `--set model.shape={json}` (eps written 1e-05), as on the device where it failed
    seq = results["parts"]["seq_max"]["result"]
    assert seq["largest_that_fits"] == 512 and seq["reached_cap"] and "stopped" not in seq
    assert seq["len_128"]["ours"]["overrides"]["model.shape"]["norm_eps"] == 1e-5


def _parts():
    sys.path.insert(0, str(ROOT))
    from benchmarks import gpu_parts

    return gpu_parts


def _search(fits_up_to: int, search: dict) -> list[int]:
    gpu_parts = _parts()
    tried, ok, bad, length = [], None, None, search["start"]
    while length is not None and len(tried) < search["trials"]:
        tried.append(length)
        if length <= fits_up_to:
            ok = max(ok or 0, length)
        else:
            bad = min(bad or length, length)
        length = gpu_parts.next_length(ok, bad, search)
    return tried


def test_sequence_search_doubles_to_the_context_halves_on_oom_and_bisects_once():
    search = _parts().SEQ_SEARCH
    assert _search(10**9, search) == [32768, 65536, 131072]  # stops at the model's 128k context
    assert _search(100_000, search) == [32768, 65536, 131072, 98304]
    assert _search(20_000, search) == [32768, 16384, 24576]
    assert _search(1000, search) == [32768, 16384, 8192]  # the floor: 8192 is measured without AC


def test_a_failed_length_says_whether_it_was_out_of_memory():
    gpu_parts = _parts()
    oom = ("Traceback (most recent call last):\n  File \"x.py\", line 1\n"
           "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 GiB\n")
    bug = ("torch._dynamo.exc.TorchRuntimeError: RuntimeError when making fake tensor call\n"
           "  Explanation: ... got TypeError(\"unsupported operand type(s) for +: 'FakeTensor' and 'str'\")\n")
    assert gpu_parts.is_out_of_memory(gpu_parts.last_error(oom))
    assert gpu_parts.last_error(bug).startswith("torch._dynamo.exc.TorchRuntimeError")
    assert not gpu_parts.is_out_of_memory(gpu_parts.last_error(bug))
    assert not gpu_parts.is_out_of_memory(gpu_parts.last_error("killed\n"))
