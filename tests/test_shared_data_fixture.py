"""The `shared_data` fixture: real-data tests skip on a developer's machine without
../shared/data, and fail in CI, where skipping them would let CI pass without checking."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_real_data_is_where_the_tests_read_it(shared_data):
    assert (shared_data / "README.md").is_file()


@pytest.mark.slow  # two pytest runs in subprocesses
@pytest.mark.parametrize("ci, outcome", [("true", "1 error"), ("", "1 skipped")])
def test_missing_real_data_fails_in_ci_and_skips_elsewhere(tmp_path, ci, outcome):
    env = {**os.environ, "CI": ci, "JACORPUS_SHARED_DATA": str(tmp_path / "absent")}
    probe = f"{Path(__file__).name}::test_the_real_data_is_where_the_tests_read_it"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", probe],
                          capture_output=True, text=True, env=env, cwd=ROOT / "tests", timeout=120)
    assert outcome in done.stdout, done.stdout[-2000:]
    assert (done.returncode == 0) == (outcome == "1 skipped")
