"""One preparation for every benchmark: generate a profile (once), land it (once), seed and build upstream.

    prepared = prepare(out, "small", 1, upstream=["staging"])   # OUT/small-1/ and OUT/small-1.duckdb
    subprocess.run(dbt(prepared.db, "run", "--select", "marts"), cwd=ROOT, env=prepared.env)

dbt runs against the prepared DuckDB file with the generated data's reference time (read from its
manifest.json), its target/ and logs/ beside the database so concurrent benchmarks do not share them.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from loaders.landing import land_directory
from loaders.synthetic.generator import dbt_reference_time, generate

ROOT = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).parent / "dbt"

log = logging.getLogger("bench")


@dataclass(frozen=True)
class Prepared:
    data: Path  # the generated files (truth/ and manifest.json included)
    db: Path  # the DuckDB file they were landed into
    env: dict[str, str]  # the environment dbt runs with: this database, the data's reference time


def dbt(db: Path, *args: str) -> list[str]:
    """A dbt command against this project with target/ and logs/ beside ``db``."""
    return [str(DBT), *args, "--project-dir", str(ROOT), "--target-path", str(db.parent / f"{db.stem}-target"),
            "--log-path", str(db.parent / f"{db.stem}-logs")]  # fmt: skip


def dbt_env(db: Path | str, data: Path | None = None) -> dict[str, str]:
    """The environment for dbt on ``db``: this project's profiles, and the reference time of ``data`` (its
    manifest.json), else the generator's fixed one — generated data ends there, not today."""
    return dict(os.environ, DBT_PROFILES_DIR=str(ROOT), CX_DUCKDB_PATH=str(db),
                CX_REFERENCE_TIME=dbt_reference_time(data))  # fmt: skip


def add_data_set_options(parser: argparse.ArgumentParser, *, profile: str = "small", seed: int = 1) -> None:
    """--profile, --seed, --customers and --out, read by :func:`prepare_args`."""
    parser.add_argument("--profile", default=profile, help=f"generator profile (demo, small, large; default {profile})")
    parser.add_argument("--seed", type=int, default=seed, help=f"generator seed (default {seed})")
    parser.add_argument("--customers", type=int, help="override the profile's customer count")
    parser.add_argument("--out", type=Path, default=Path("/tmp/cx-bench"), help="where data sets and databases live")


def prepare_args(
    args: argparse.Namespace, *, upstream: list[str] | None = None, exclude: list[str] | None = None, build: str = "run"
) -> Prepared:
    """:func:`prepare` for the options of :func:`add_data_set_options` (OUT/<profile>-<seed>[-<customers>])."""
    name = f"{args.profile}-{args.seed}" + (f"-{args.customers}" if args.customers else "")
    overrides: dict[str, int | None] | None = {"customers": args.customers} if args.customers else None
    return prepare(args.out, args.profile, args.seed, name=name, overrides=overrides, upstream=upstream,
                   exclude=exclude, build=build)  # fmt: skip


def prepare(
    out: Path,
    profile: str,
    seed: int,
    *,
    overrides: dict[str, int | None] | None = None,
    name: str | None = None,
    upstream: list[str] | None = None,
    exclude: list[str] | None = None,
    build: str = "run",
) -> Prepared:
    """Generate ``profile`` / ``seed`` into OUT/<name>/ unless its manifest.json is there, land it into
    OUT/<name>.duckdb unless that file exists, reload the seeds, and once per landing and selection run
    ``dbt <build> --select <upstream> --exclude <exclude>`` (nothing beyond the seeds with ``upstream`` None or
    empty). ``name`` defaults to <profile>-<seed>. Untimed: the benchmarks time what runs after it."""
    out.mkdir(parents=True, exist_ok=True)
    name = name or f"{profile}-{seed}"
    data, db = out / name, out / f"{name}.duckdb"
    marker = out / f"{name}.upstream-built"
    if generate_and_land(data, db, profile, seed, overrides=overrides):
        marker.unlink(missing_ok=True)
    env = dbt_env(db, data)
    started = time.perf_counter()
    _run(dbt(db, "seed", "--full-refresh"), env)  # every time: a seed edited since (e.g. refitted weights) counts
    # the marker names what was built, so another selection on the same landing builds its own upstream
    wanted = " ".join([build, *(upstream or []), "--exclude", *(exclude or [])])
    if upstream and (not marker.exists() or marker.read_text() != wanted):
        _run(dbt(db, build, "--select", *upstream, *(["--exclude", *exclude] if exclude else [])), env)
        marker.write_text(wanted)
    log.info("seeds%s: %.0f s", f", upstream {' '.join(upstream)}" if upstream else "",
             time.perf_counter() - started)  # fmt: skip
    return Prepared(data, db, env)


def generate_and_land(data: Path, db: Path, profile: str, seed: int, **options: Any) -> bool:
    """Generate ``profile`` / ``seed`` into ``data`` unless its manifest.json is there (``options`` go to
    ``generate``: overrides, hold_out_days), and land it into ``db`` unless that file exists; returns whether it
    landed. Untimed."""
    if not (data / "manifest.json").exists():
        started = time.perf_counter()
        generate(profile, seed, data, **options)
        log.info("generate %s: %.0f s", data.name, time.perf_counter() - started)
    if db.exists():
        return False
    started = time.perf_counter()
    con = duckdb.connect(str(db))
    try:
        land_directory(con, data)
    finally:
        con.close()
    log.info("land into %s: %.0f s", db, time.perf_counter() - started)
    return True


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"dbt {cmd[1]} failed:\n{done.stdout[-3000:]}")
