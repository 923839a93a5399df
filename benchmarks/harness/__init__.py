"""Machinery benchmarks and tests share to run the pipeline the hard way: a file server that
misbehaves on purpose (`loopback_http`), a CLI run paused mid-write for a kill
(`stage_pause.py`), the comparison of two runs' outputs (`run_outputs`), a median timer
(`timing`), and one command's CPU and peak RSS measured from a small launcher (`child_usage`).

No benchmark imports from tests/; tests import from here (`from benchmarks.harness import ...`).
"""
