"""Machinery benchmarks and tests share to run the pipeline the hard way: a file server that
misbehaves on purpose (`loopback_http`), a CLI run paused mid-write for a kill
(`stage_pause.py`), and the comparison of two runs' outputs (`run_outputs`).

No benchmark imports from tests/; tests import from here (`from benchmarks.harness import ...`).
"""
