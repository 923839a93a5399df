"""The stage runner: what a stage is (`stage`), the directory it owns (`stage_dir`, `run_lock`,
`fingerprint`), the executors that run its tasks locally, on Slurm or on Ray (`executors`,
`function_job`, with datatrove's patches in `compat`), and the books it keeps (`accounting`,
`unique_ids_across_files`). No re-exports: import the module you need."""
