"""Synthetic data and test doubles — not production code.

``generator``: the deterministic data set with planted ground truth (`cx generate`); ``fake_genesys``: a fake
Genesys Cloud on 127.0.0.1 for tests, demos and benchmarks. Production modules (landing, extract, the Genesys
client, the exporter) never import this package (tests/python/test_repo.py checks it); only the `cx generate`
command module, tests and bench/ do.
"""
