"""What benchmarks measure on and tests pin behaviour with: sets labelled by reading
(`pii_real_set`, `quality_eval_set`, `web_extraction` and their gold files, rebuilt from
../shared/data by id), generated sets (`pii_eval_set`, `planted_duplicates`), the fixture
pages' text (`web_fixture_pages`) and hostile inputs (`bad_inputs`, `bad_parquet`).

They live with the benchmarks, not in the product and not in tests/: a benchmark imports
them (`from benchmarks.evalsets import ...`, with the repository root on sys.path) and so do
the tests, while no benchmark imports from tests/.
"""
