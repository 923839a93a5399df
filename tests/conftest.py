"""Shared fixtures: where the real data lives; when it is absent, a skip here and a failure in CI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED_DATA = Path(os.environ.get("JACORPUS_SHARED_DATA", ROOT.parent / "shared" / "data"))


def in_ci() -> bool:
    """`CI=true` (set by .ci/run, and by every CI service)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (real-data tests never run against copies in the repo). Without it a
    developer's run skips those tests; CI fails them, so a CI run cannot pass by skipping
    what it is there to check."""
    if not SHARED_DATA.is_dir():
        message = f"real data not found at {SHARED_DATA} (set JACORPUS_SHARED_DATA)"
        if in_ci():
            pytest.fail(f"{message}; CI runs every real-data test", pytrace=False)
        pytest.skip(message)
    return SHARED_DATA


@pytest.fixture
def server(tmp_path):
    """A loopback file server (benchmarks/harness/loopback_http.py) over `tmp_path/served`."""
    from benchmarks.harness.loopback_http import LoopbackServer

    served = tmp_path / "served"
    served.mkdir()
    s = LoopbackServer(served)
    yield s
    s.close()


def pytest_collection_modifyitems(config, items):
    try:
        import torch

        has_gpu = torch.cuda.is_available()
    except ImportError:
        has_gpu = False
    skip_gpu = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords and not has_gpu:
            item.add_marker(skip_gpu)
