"""Synthetic, deterministic Genesys Cloud CX data set with planted ground truth (`cx generate`).

``generate(profile, seed, out_dir, overrides, noise="standard")`` writes every file kind of docs/sources.md plus
``truth/`` and ``manifest.json`` and returns the manifest. Same seed and profile give byte-identical files;
``noise="heavy"`` corrupts the customer records like the record-linkage benchmarks
(loaders/synthetic/generator/corrupt.py).
"""

from loaders.synthetic.generator.core import GENERATOR_VERSION, generate
from loaders.synthetic.generator.profiles import PROFILES, REFERENCE_TIME, dbt_reference_time

__all__ = ["GENERATOR_VERSION", "PROFILES", "REFERENCE_TIME", "dbt_reference_time", "generate"]
