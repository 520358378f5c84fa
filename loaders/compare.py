"""Compare the relations of two built warehouses row for row, whatever the order of their rows.

A relation's fingerprint is its row count and the sum of a hash of each row. Doubles are rounded to 1e-9 (a sum
taken in another order may differ in the last bits), a JSON value is compared by meaning (key order aside), and
columns that record when a run happened (``RUN_TIME_COLUMNS``) are left out. For a relation that differs,
``compare`` says how many rows each side has that the other lacks (EXCEPT ALL) and shows a few.

Used by ``bench/mart_hashes.py`` (a refactoring keeps every mart identical) and by the incremental-equivalence
test (day-by-day incremental builds equal one full refresh).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

# the build's clock, not the data's
RUN_TIME_COLUMNS = frozenset({"snapshot_taken_at", "assigned_at", "computed_at", "pairs_computed_at", "estimated_at",
                              "parameters_estimated_at"})
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
