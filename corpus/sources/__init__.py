"""Where the data comes from: source manifests and the run's lineage (`manifest`), remote
sources and fetching them (`remote_sources`, `fetch`, `download`), and names that become file
names safely (`safe_names`). No re-exports."""
