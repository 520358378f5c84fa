"""Loaders: Genesys Cloud extraction, file readers, landing into DuckDB raw.*, the `cx` CLI (loaders.cli).

loaders.synthetic (the data generator and the fake Genesys Cloud) is test and demo tooling, not production code.
"""

__version__ = "0.1.0"
