"""What benchmarks measure on and tests pin behaviour with: gold sets labelled by reading
(`pii_real_set`, `web_extraction` and their gold files), generated sets (`pii_eval_set`) and
hostile inputs (`bad_inputs`, `bad_parquet`).

They live with the benchmarks, not in the product and not in tests/: a benchmark imports
them (`from benchmarks.evalsets import ...`, with the repository root on sys.path) and so do
the tests, while no benchmark imports from tests/.
"""
