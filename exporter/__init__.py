"""Exporter: pushes the export__* marts back to Genesys Cloud, exactly once in effect."""
