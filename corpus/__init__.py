"""The core every stage shares, by concept:

- `run/`: the stage runner (stages, their directories, locks, fingerprints, executors, accounting);
- `formats/`: our files on disk (document schema, parquet shards, Megatron token shards);
- `readers/`: what a stage is given (`--input`, input formats, the document reader);
- `sources/`: where data comes from (source manifests, lineage, fetching);
- `reports/`: what a person reads (terminal and HTML reports, `inspect`);
- and at the top, the config (`config`, `yaml12`, `overrides`) and the CLI (`cli`).

Package `__init__` files import nothing, so the trainer can import the datatrove-free modules
it needs (`formats.megatron_format`, `formats.shard_files`, `config`) where datatrove is absent.
"""

__version__ = "0.1.0"
