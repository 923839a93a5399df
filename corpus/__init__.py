"""The core every stage shares: document schema, run directories, config, accounting, reports, CLI."""

__version__ = "0.1.0"
