"""Compare the relations of two built warehouses row for row, whatever the order of their rows.

A relation's fingerprint is its row count and the sum of a hash of each row. Doubles are rounded to 1e-9 (a sum
taken in another order may differ in the last bits), a JSON value is compared by meaning (key order aside), and
columns that record when a run happened (``RUN_TIME_COLUMNS``) are left out. For a relation that differs,
``compare`` says how many rows each side has that the other lacks (EXCEPT ALL) and shows a few.

Used by ``bench/mart_hashes.py`` (a refactoring keeps every mart identical) and by the incremental-equivalence
test (day-by-day incremental builds equal one full refresh). ``compare_engines`` compares DuckDB's marts with
the same project built on Spark (issue 17): Spark's Parquet tables are read with DuckDB, columns matched by
name, and rows compared one by one after sorting, doubles within ``TOLERANCE``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

# the build's clock, not the data's
RUN_TIME_COLUMNS = frozenset({"snapshot_taken_at", "assigned_at", "computed_at", "pairs_computed_at", "estimated_at",
                              "parameters_estimated_at", "features_computed_at"})
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


@dataclass
class Difference:
    relation: str
    reason: str  # "only in the first" | "only in the second" | "columns differ" | "rows differ"
    rows: tuple[int, int] = (0, 0)  # row counts of the first and second
    only_first: int = 0  # rows the first has that the second lacks (with multiplicity)
    only_second: int = 0
    examples: list[tuple[str, tuple]] = field(default_factory=list)  # ("first" | "second", row)

    def __str__(self) -> str:
        if self.reason != "rows differ":
            return f"{self.relation}: {self.reason}"
        shown = "".join(f"\n    only in the {side}: {row}" for side, row in self.examples)
        return (f"{self.relation}: {self.rows[0]:,d} vs {self.rows[1]:,d} rows; {self.only_first:,d} only in the "
                f"first, {self.only_second:,d} only in the second{shown}")


def relations(con: duckdb.DuckDBPyConnection, catalog: str, schemas: tuple[str, ...]) -> dict[str, str]:
    """``{name: schema}`` of the tables and views in ``catalog`` whose schema is one of ``schemas`` or ends in
    ``_<schema>`` (dbt prefixes its target schema: main_marts)."""
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables where table_catalog = ? order by 1, 2",
        [catalog],
    ).fetchall()
    return {t: s for s, t in rows if any(s == x or s.endswith("_" + x) for x in schemas)}


def projection(con: duckdb.DuckDBPyConnection, relation: str, exclude: frozenset[str] = RUN_TIME_COLUMNS,
               by_name: bool = False) -> str:
    """The compared columns of ``relation`` in table order, or in name order with ``by_name`` (when a column
    added later sits at the end of one table and in the middle of the other)."""
    cols = []
    described = con.execute(f"describe {relation}").fetchall()
    for name, type_, *_ in sorted(described) if by_name else described:
        if name in exclude:
            continue
        quoted = '"' + name.replace('"', '""') + '"'
        if type_.upper() in FLOAT_TYPES or type_.upper().startswith("DECIMAL"):
            cols.append(f"round({quoted}, 9) as {quoted}")
        elif type_.upper() == "JSON":  # key order inside a JSON text is not part of its meaning
            cols.append(f"cast(json({quoted}) as varchar) as {quoted}")
        else:
            cols.append(quoted)
    return ", ".join(cols)


def fingerprint(con: duckdb.DuckDBPyConnection, relation: str, by_name: bool = False) -> tuple[int, int]:
    proj = projection(con, relation, by_name=by_name)
    sql = f"select count(*), coalesce(sum(hash(x)), 0) from (select {proj} from {relation}) as x"
    n, h = con.execute(sql).fetchone()
    return int(n), int(h)


def compare(con: duckdb.DuckDBPyConnection, first: str, second: str, schemas: tuple[str, ...] = ("marts",),
            skip: frozenset[str] = frozenset(), show: int = 3,
            by_name: bool = False) -> tuple[list[str], list[Difference]]:
    """Compare every relation of ``schemas`` in the attached catalogs ``first`` and ``second``; returns the
    relations found equal and the differences. Columns must be in the same order unless ``by_name``."""
    left, right = relations(con, first, schemas), relations(con, second, schemas)
    equal: list[str] = []
    differences: list[Difference] = []
    for name in sorted((set(left) | set(right)) - skip):
        if name not in left or name not in right:
            differences.append(Difference(name, f"only in the {'first' if name in left else 'second'}"))
            continue
        ra, rb = f'{first}."{left[name]}"."{name}"', f'{second}."{right[name]}"."{name}"'
        pa, pb = projection(con, ra, by_name=by_name), projection(con, rb, by_name=by_name)
        if pa != pb:
            differences.append(Difference(name, "columns differ"))
            continue
        (na, ha), (nb, hb) = fingerprint(con, ra, by_name), fingerprint(con, rb, by_name)
        if (na, ha) == (nb, hb):
            equal.append(name)
            continue
        diff = Difference(name, "rows differ", (na, nb))
        for side, (x, y) in (("first", (ra, rb)), ("second", (rb, ra))):
            query = f"select {pa} from {x} except all select {pb} from {y}"
            count = con.execute(f"select count(*) from ({query})").fetchone()[0]
            setattr(diff, f"only_{side}", count)
            diff.examples += [(side, row) for row in con.execute(f"{query} limit {show}").fetchall()]
        differences.append(diff)
    return equal, differences


# --- two engines (issue 17): DuckDB's warehouse vs the same project built on Spark ----------------------------

TOLERANCE = 1e-9  # doubles of the two engines agree within this (absolute, or relative beyond 1)


def spark_table_dir(spark_warehouse: str | Path, schema: str, table: str) -> Path:
    """Where Spark's Hive catalog keeps a managed table's Parquet files: <warehouse>/<schema>.db/<table>/."""
    return Path(spark_warehouse) / f"{schema}.db" / table


def attach_spark_tables(con: duckdb.DuckDBPyConnection, spark_warehouse: str | Path, schema: str = "marts",
                        alias: str = "spark") -> list[str]:
    """Views ``<alias>.<schema>.<table>`` in DuckDB over the Parquet files of every Spark table of ``schema``
    (attaches an in-memory catalog ``alias``); returns the table names."""
    con.execute(f"attach if not exists ':memory:' as {alias}")
    con.execute(f"create schema if not exists {alias}.{schema}")
    root = Path(spark_warehouse) / f"{schema}.db"
    names = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))) \
        if root.is_dir() else []
    for name in names:
        files = str(root / name / "*.parquet").replace("'", "''")
        con.execute(f'create or replace view {alias}.{schema}."{name}" as select * from read_parquet(\'{files}\')')
    return names


def _canonical(value, kind: str):
    """A value both engines' spellings of the same thing map to: JSON parsed, floats as float, lists as tuples."""
    if value is None:
        return None
    if kind == "json":
        parsed = json.loads(value, parse_int=float) if isinstance(value, str) else value
        return json.dumps(parsed, sort_keys=True, separators=(",", ":"))
    if kind == "float":
        return float(value)
    if isinstance(value, list):
        return tuple(_canonical(v, "list") for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _canonical(v, "list")) for k, v in value.items()))
    return value


def _sort_key(row: tuple, kinds: list[str]) -> tuple:
    # floats rounded coarsely, so a last-bit difference cannot change the order; nulls first
    return tuple(
        (0, "") if v is None else (1, round(v, 6) if k == "float" else repr(v))
        for v, k in zip(row, kinds, strict=True)
    )


def _close(a, b, kind: str, tolerance: float) -> bool:
    if a is None or b is None:
        return a == b
    if kind == "json":  # numbers inside a JSON value are doubles too
        return a == b or _json_close(json.loads(a), json.loads(b), tolerance)
    if kind != "float":
        return a == b
    return _float_close(a, b, tolerance)


def _float_close(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))


def _json_close(a, b, tolerance: float) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_close(a[k], b[k], tolerance) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_close(x, y, tolerance) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):  # _canonical parsed every JSON number as a float
        return _float_close(a, b, tolerance)
    return a == b


def compare_rows(con: duckdb.DuckDBPyConnection, first: str, second: str,
                 exclude: frozenset[str] = RUN_TIME_COLUMNS, tolerance: float = TOLERANCE,
                 show: int = 3) -> Difference | None:
    """Compare two relations of different engines row for row (None when equal). Columns are matched by name
    and read as the first relation's types (the second's values cast to them); doubles and decimals agree
    within ``tolerance``, JSON by meaning (key order and number spelling aside, its numbers within ``tolerance``),
    lists element by element."""
    described = con.execute(f"describe {first}").fetchall()
    other = {name: type_ for name, type_, *_ in con.execute(f"describe {second}").fetchall()}
    columns = [(name, type_) for name, type_, *_ in described if name not in exclude]
    missing = sorted({n for n, _ in columns} ^ {n for n in other if n not in exclude})
    if missing:
        return Difference(first, f"columns differ: {', '.join(missing)}")
    kinds, left_cols, right_cols = [], [], []
    for name, type_ in columns:
        quoted = '"' + name.replace('"', '""') + '"'
        upper = type_.upper()
        if upper == "JSON":
            kinds.append("json")
            left_cols.append(f"cast({quoted} as varchar)")
            right_cols.append(f"cast({quoted} as varchar)")
        elif upper in FLOAT_TYPES or upper.startswith("DECIMAL"):
            kinds.append("float")
            left_cols.append(f"cast({quoted} as double)")
            right_cols.append(f"cast({quoted} as double)")
        else:
            kinds.append("value")
            left_cols.append(quoted)
            right_cols.append(f"cast({quoted} as {type_})")
    rows = []
    for relation, cols in ((first, left_cols), (second, right_cols)):
        fetched = con.execute(f"select {', '.join(cols)} from {relation}").fetchall()
        canon = [tuple(_canonical(v, k) for v, k in zip(row, kinds, strict=True)) for row in fetched]
        rows.append(sorted(canon, key=lambda r: _sort_key(r, kinds)))
    left, right = rows
    mismatched = [
        (a, b) for a, b in zip(left, right, strict=False)
        if not all(_close(x, y, k, tolerance) for x, y, k in zip(a, b, kinds, strict=True))
    ]
    if len(left) == len(right) and not mismatched:
        return None
    diff = Difference(first, "rows differ", (len(left), len(right)), len(mismatched), len(mismatched))
    for a, b in mismatched[:show]:
        diff.examples += [("first", a), ("second", b)]
    return diff


def compare_engines(con: duckdb.DuckDBPyConnection, duckdb_catalog: str, spark_warehouse: str | Path,
                    schema: str = "marts", skip: frozenset[str] = frozenset()) -> tuple[list[str], list[Difference]]:
    """Every relation of ``schema`` in the attached DuckDB warehouse ``duckdb_catalog`` compared with the Spark
    table of the same name (its Parquet files under ``spark_warehouse``); returns the equal ones and the
    differences (a relation on one side only is a difference)."""
    ours = relations(con, duckdb_catalog, (schema,))
    theirs = set(attach_spark_tables(con, spark_warehouse, schema))
    equal, differences = [], []
    for name in sorted((set(ours) | theirs) - skip):
        if name not in ours or name not in theirs:
            differences.append(Difference(name, f"only in the {'first' if name in ours else 'second'}"))
            continue
        diff = compare_rows(con, f'{duckdb_catalog}."{ours[name]}"."{name}"', f'spark.{schema}."{name}"')
        if diff is None:
            equal.append(name)
        else:
            diff.relation = name
            differences.append(diff)
    return equal, differences
