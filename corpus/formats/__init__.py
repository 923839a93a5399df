"""What our files look like on disk, one module per format: the document row (`schema`), parquet
shards (`shards` to write and read them in a pipeline, `shard_files` for figures and reports,
`parquet_rows` row by row), and token shards (`megatron_format`).

This package's `__init__` imports nothing: the trainer imports `megatron_format` and
`shard_files` on machines without datatrove."""
