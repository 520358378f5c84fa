"""Loaders: Genesys Cloud extraction, file readers, landing into DuckDB raw.*, synthetic data, the `cx` CLI."""

__version__ = "0.1.0"
