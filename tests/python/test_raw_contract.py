"""The raw contract is written in three places: the loaders (loaders/kinds.py, the tables landing creates), dbt's
sources (models/staging/*/_*__sources.yml) and docs/sources.md. They must say the same, column by column."""

from __future__ import annotations

import re

import duckdb
import yaml
from conftest import ROOT

from loaders.kinds import KINDS
from loaders.landing import ensure_raw_schema


def _raw_columns() -> dict[str, list[str]]:
    con = duckdb.connect()
    ensure_raw_schema(con)
    rows = con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'raw' "
        "order by table_name, ordinal_position"
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def _dbt_sources() -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    for path in (ROOT / "models" / "staging").glob("*/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            assert source.get("schema") == "raw", f"{path.name}: source {source['name']} is not in raw"
            for table in source["tables"]:
                tables[table["name"]] = [c["name"] for c in table.get("columns", [])]
    return tables


def test_every_raw_table_is_a_dbt_source_and_every_source_a_raw_table() -> None:
    landed = {t for t in _raw_columns() if not t.startswith("_")}
    assert landed == {k.table for k in KINDS.values()}
    assert set(_dbt_sources()) == landed


def test_every_column_a_source_documents_is_one_landing_creates() -> None:
    raw = _raw_columns()
    for table, columns in _dbt_sources().items():
        missing = [c for c in columns if c not in raw[table]]
        assert not missing, f"raw.{table} has no column {missing} (documented in its dbt source)"


def test_docs_sources_md_names_every_kind_table_glob_and_csv_column() -> None:
    doc = (ROOT / "docs" / "sources.md").read_text()
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z_]+)` \|.*$", doc, flags=re.M)}
    assert set(rows) == set(KINDS), sorted(set(rows) ^ set(KINDS))
    for kind in KINDS.values():
        assert f"`raw.{kind.table}`" in rows[kind.name], kind.name
        for glob in kind.globs:  # the doc spells the customers' glob with its meaning: customers_<source_system>
            shown = glob.replace("customers_*.csv", "customers_<source_system>.csv")
            assert f"`{shown}`" in rows[kind.name], (kind.name, glob)
        for column in kind.csv_columns:
            assert re.search(rf"\b{re.escape(column)}\b", doc, flags=re.I), f"docs/sources.md lacks {column}"
