"""Read-only, cached access to the warehouse for the dashboards.

Every read opens the DuckDB file with ``read_only=True`` only when the cache misses, and closes it when the
page is built, so a ``dbt build`` (which needs the write lock) can run while the app is open. Results are
cached per query and per *file version* (size and modification time of the file and its WAL): a rebuild
changes the version and the next page load reads the new data. While a writer holds the lock, the last
result of each query is served and the page says it is stale.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from loaders.db import WarehouseLockedError, connect

_CACHE_SIZE = 512
_cache: OrderedDict[tuple, Any] = OrderedDict()  # (path, version, sql, params) -> result
_last: dict[tuple, Any] = {}  # (path, sql, params) -> the latest result, served while the file is locked
_lock = threading.Lock()


class WarehouseUnavailable(Exception):
    """The file is missing, or locked by a writer and the query has never been answered before."""


class Warehouse:
    """One page build's view of the warehouse file at ``path``."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = str(Path(path).resolve())
        self.stale = False  # a result came from before the current file version (a writer held the lock)
        self.locked_by = ""
        self._con: duckdb.DuckDBPyConnection | None = None
        self._version = self._file_version()

    # -- file state -------------------------------------------------------------------------------------
    def exists(self) -> bool:
        return Path(self.path).is_file()

    def _file_version(self) -> tuple:
        parts: list[Any] = []
        for name in (self.path, self.path + ".wal"):
            try:
                st = os.stat(name)
                parts += [st.st_mtime_ns, st.st_size]
            except OSError:
                parts += [None, None]
        return tuple(parts)

    def built_at(self) -> float | None:
        try:
            return os.stat(self.path).st_mtime
        except OSError:
            return None

    # -- connection -------------------------------------------------------------------------------------
    def _connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            if not self.exists():
                raise WarehouseUnavailable(f"no warehouse at {self.path}: run `make demo` (or `cx load` + "
                                           "`make build`) first")
            self._con = connect(self.path, read_only=True, wait=0)
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    @contextmanager
    def session(self) -> Iterator[Warehouse]:
        """Use for one page: the connection (if a query needed one) is closed on leaving."""
        try:
            yield self
        finally:
            self.close()

    # -- queries ----------------------------------------------------------------------------------------
    def _run(self, kind: str, sql: str, params: Sequence[Any] | None) -> Any:
        frozen = tuple(params or ())
        key = (self.path, self._version, kind, sql, frozen)
        with _lock:
            if key in _cache:
                _cache.move_to_end(key)
                return _cache[key]
        try:
            con = self._connection()
            relation = con.execute(sql, list(frozen))
            result = relation.df() if kind == "df" else relation.fetchall()
        except WarehouseLockedError as exc:
            last = _last.get((self.path, kind, sql, frozen))
            if last is None:
                raise WarehouseUnavailable(str(exc)) from None
            self.stale = True
            self.locked_by = f"{exc.program} (PID {exc.pid})"
            return last
        with _lock:
            _cache[key] = result
            _last[(self.path, kind, sql, frozen)] = result
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
        return result

    def df(self, sql: str, params: Sequence[Any] | None = None):
        """The result as a pandas DataFrame (aggregate in SQL: these are meant to be small)."""
        return self._run("df", sql, params)

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return self._run("rows", sql, params)

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    def relations(self) -> set[str]:
        """Every ``schema.table`` (tables and views) in the file."""
        rows = self.rows("select table_schema || '.' || table_name from information_schema.tables")
        return {str(r[0]) for r in rows}

    def has(self, *relations: str) -> bool:
        """All of ``relations`` exist (``marts.effort_daily``)."""
        try:
            present = self.relations()
        except WarehouseUnavailable:
            return False
        return all(r in present for r in relations)

    def columns(self, relation: str) -> set[str]:
        schema, name = relation.split(".", 1)
        rows = self.rows(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, name],
        )
        return {str(r[0]) for r in rows}

    def count(self, relation: str) -> int:
        return int(self.scalar(f"select count(*) from {relation}") or 0) if self.has(relation) else 0


def clear_cache() -> None:
    with _lock:
        _cache.clear()
        _last.clear()
