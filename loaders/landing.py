"""Land source files into DuckDB ``raw.*``: idempotent, schema-drift tolerant, rejects kept with a reason.

All parsing is done by DuckDB itself (``read_json`` / ``read_csv``), so landing runs close to the speed of
reading the files directly; Python only orchestrates. Contract: docs/sources.md.

Idempotency: every landed row carries ``_record_hash`` (md5 of the record as received, plus the source
system for customer records). A row whose hash is already in its raw table is counted as a duplicate and
not inserted, so the same file landed twice, or the same record in two files, lands once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from loaders.kinds import KINDS, Kind

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
MAX_OBJECT_BYTES = 512 * 1024 * 1024
REJECT_TEXT_CHARS = 4000


@dataclass
class FileResult:
    kind: str
    path: str
    rows_read: int = 0
    rows_landed: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    seconds: float = 0.0
    error: str | None = None
    skipped: bool = False  # identical file already landed

    @property
    def ok(self) -> bool:
        return self.error is None


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``raw`` and every raw table, the rejects and the load log (no-op when they exist)."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    meta = "_source_file varchar, _source_line bigint, _loaded_at timestamp, _record_hash varchar"
    for kind in KINDS.values():
        if kind.is_json:
            cols = ", ".join(f"{name} varchar" for name, _ in kind.json_columns)
            ddl = f"{cols}, payload json, {meta}"
        else:
            source = "source_system varchar, " if kind.has_source_system else ""
            cols = ", ".join(f"{_q(c.lower())} varchar" for c in kind.csv_columns)
            ddl = f"{source}{cols}, raw_attributes json, {meta}"
        con.execute(f"create table if not exists {RAW_SCHEMA}.{kind.table} ({ddl})")
    con.execute(
        f"""create table if not exists {RAW_SCHEMA}._rejects (
            kind varchar, source_file varchar, source_line bigint, reason varchar, raw_text varchar,
            rejected_at timestamp)"""
    )
    con.execute(
        f"""create table if not exists {RAW_SCHEMA}._load_log (
            kind varchar, source_file varchar, file_fingerprint varchar, rows_read bigint,
            rows_landed bigint, rows_duplicate bigint, rows_rejected bigint, started_at timestamp,
            duration_s double, error varchar)"""
    )


def file_fingerprint(path: Path) -> str:
    """A cheap identity for a file: size plus hashes of its first and last MiB (full hashing of 6 GB of
    JSON would cost more than landing it). Row-level hashes make landing idempotent regardless."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as fh:
        digest.update(fh.read(1 << 20))
        if size > 2 << 20:
            fh.seek(-(1 << 20), 2)
            digest.update(fh.read(1 << 20))
    return digest.hexdigest()


def _already_landed(con: duckdb.DuckDBPyConnection, kind: Kind, fingerprint: str) -> bool:
    row = con.execute(
        f"select count(*) from {RAW_SCHEMA}._load_log where kind = ? and file_fingerprint = ? and error is null",
        [kind.name, fingerprint],
    ).fetchone()
    return bool(row and row[0])


# --------------------------------------------------------------------------------------------- JSON kinds


def _first_char(path: Path) -> str:
    with path.open("rb") as fh:
        while chunk := fh.read(4096):
            stripped = chunk.lstrip()
            if stripped:
                return stripped[:1].decode("ascii", "replace")
    return ""


def _stage_json_pages(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """A page file ``{"conversations": [...], ...}`` (job result or sync query page), or a bare JSON array
    of records → ``_stage(source_line, doc_text)`` with the record's position as its line."""
    p = _lit(str(path))
    if _first_char(path) == "[":
        con.execute(
            f"""create or replace temp table _stage as
                select row_number() over () as source_line, json::varchar as doc_text
                from read_json_objects({p}, format='array', maximum_object_size={MAX_OBJECT_BYTES})"""
        )
        return
    con.execute(
        f"""create or replace temp table _stage as
            select unnest(range(1, len(conversations) + 1)) as source_line,
                   unnest(conversations)::varchar as doc_text
            from read_json({p}, columns={{'conversations': 'JSON[]'}}, format='auto',
                           maximum_object_size={MAX_OBJECT_BYTES})"""
    )


def _stage_ndjson(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Every line of a file as text with its line number; JSON validity is judged afterwards, so one bad
    line never stops the others."""
    con.execute(
        f"""create or replace temp table _stage as
            select source_line, coalesce(try(json(line))::varchar, line) as doc_text
            from (
                select row_number() over () as source_line, line
                from read_csv({_lit(str(path))}, columns={{'line': 'VARCHAR'}}, header=false, delim='\x1e',
                              quote='', escape='', auto_detect=false, max_line_size={MAX_OBJECT_BYTES})
            )
            where line is not null and trim(line) <> ''"""
    )


def _land_json(con: duckdb.DuckDBPyConnection, kind: Kind, path: Path, result: FileResult) -> None:
    if path.suffix.lower() == ".ndjson" or path.suffix.lower() == ".jsonl":
        _stage_ndjson(con, path)
    else:
        _stage_json_pages(con, path)

    key_col, key_path = kind.json_columns[0]
    extracted = ", ".join(
        f"json_extract_string(doc, {_lit(jpath)}) as {name}" for name, jpath in kind.json_columns
    )
    con.execute(
        f"""create or replace temp table _parsed as
            select source_line, doc_text, doc, {extracted},
                   case
                       when doc is null then 'malformed JSON'
                       when json_type(doc) <> 'OBJECT' then 'not a JSON object'
                       when nullif(trim(json_extract_string(doc, {_lit(key_path)})), '') is null
                           then 'missing key {key_path[2:]}'
                   end as reject_reason
            from (select source_line, doc_text, try(json(doc_text)) as doc from _stage)"""
    )
    _finish(con, kind, path, result, [name for name, _ in kind.json_columns], payload_expr="doc")


# ---------------------------------------------------------------------------------------------- CSV kinds


def _read_header(path: Path) -> list[str]:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
    if not first.strip():
        return []
    return next(csv.reader(io.StringIO(first)))


def _land_csv(
    con: duckdb.DuckDBPyConnection,
    kind: Kind,
    path: Path,
    result: FileResult,
    source_system: str | None,
    column_map: Mapping[str, str] | None,
) -> None:
    header = _read_header(path)
    if not header:
        con.execute("create or replace temp table _parsed as select 1 where false")
        return
    if len(set(header)) != len(header):
        raise ValueError(f"duplicate column names in the header: {header}")
    mapping = {k.strip().lower(): v.strip().lower() for k, v in (column_map or {}).items()}
    canonical = {c.lower(): c for c in kind.csv_columns}
    columns_sql = ", ".join(f"{_lit(h)}: 'VARCHAR'" for h in header)
    con.execute("drop table if exists _csv_rejects; drop table if exists _csv_scans")
    # record number r → file line: 1 (header) + r + the unparseable lines before it (Lj - j <= r);
    # exact unless a quoted field spans several lines.
    con.execute(
        f"""create or replace temp table _csv_raw as
            select row_number() over () as record_no, *
            from read_csv({_lit(str(path))}, columns={{{columns_sql}}}, header=true, delim=',', quote='"',
                          escape='"', auto_detect=false, store_rejects=true,
                          rejects_table='_csv_rejects', rejects_scan='_csv_scans')"""
    )
    # rows DuckDB could not parse → rejects, with their real line numbers
    _insert_rejects(
        con,
        f"""select {_lit(kind.name)} as kind, {_lit(str(path))} as source_file, line as source_line,
                   string_agg(distinct error_type || ': ' || error_message, '; ') as reason,
                   left(any_value(csv_line), {REJECT_TEXT_CHARS}) as raw_text
            from _csv_rejects group by line""",
    )
    result.rows_rejected += con.execute("select count(distinct line) from _csv_rejects").fetchone()[0]
    con.execute(
        """create or replace temp table _csv as
            with bad as (
                select line, row_number() over (order by line) as j from (select distinct line from _csv_rejects)
            )
            select c.record_no + 1 + (select count(*) from bad where bad.line - bad.j <= c.record_no) as source_line,
                   c.* exclude (record_no)
            from _csv_raw c"""
    )

    chosen: dict[str, str] = {}  # canonical (lower) -> header column
    extras: list[str] = []
    for col in header:
        target = mapping.get(col.strip().lower(), col.strip().lower())
        if target in canonical and target not in chosen:
            chosen[target] = col
        else:
            extras.append(col)
    select_cols = [
        f"{_q(chosen[c.lower()])} as {_q(c.lower())}" if c.lower() in chosen else f"null::varchar as {_q(c.lower())}"
        for c in kind.csv_columns
    ]
    if extras:
        attrs = "json_object(" + ", ".join(f"{_lit(e)}, {_q(e)}" for e in extras) + ")"
    else:
        attrs = "null::json"
    key_checks = " or ".join(
        f"nullif(trim({_q(chosen[k.lower()])}), '') is null" for k in kind.key_columns if k.lower() in chosen
    )
    missing_keys = [k for k in kind.key_columns if k.lower() not in chosen]
    if missing_keys:
        raise ValueError(
            f"the file has no {', '.join(missing_keys)} column (columns: {', '.join(header)}); "
            f"map one with --map their_column={missing_keys[0]}"
        )
    system_col = f"{_lit(source_system)} as source_system, " if kind.has_source_system else ""
    doc = "json_object(" + ", ".join(f"{_lit(h)}, {_q(h)}" for h in header) + ")"
    con.execute(
        f"""create or replace temp table _parsed as
            select source_line, {system_col}{', '.join(select_cols)}, {attrs} as raw_attributes,
                   case when {key_checks} then 'missing key {', '.join(kind.key_columns)}' end as reject_reason,
                   {doc}::varchar as doc_text
            from _csv"""
    )
    _finish(
        con,
        kind,
        path,
        result,
        ["source_system"] * kind.has_source_system + [c.lower() for c in kind.csv_columns] + ["raw_attributes"],
        payload_expr=None,
        hash_prefix=source_system or "",
    )


# ------------------------------------------------------------------------------------------------- common


def _insert_rejects(con: duckdb.DuckDBPyConnection, select_sql: str) -> None:
    """Record rejects once: landing the same bad file again does not repeat them."""
    con.execute(
        f"""insert into {RAW_SCHEMA}._rejects
            select n.kind, n.source_file, n.source_line, n.reason, n.raw_text, now()::timestamp
            from ({select_sql}) n
            where not exists (
                select 1 from {RAW_SCHEMA}._rejects r
                where r.kind = n.kind and r.source_file = n.source_file
                  and r.source_line is not distinct from n.source_line and r.reason = n.reason
            )"""
    )


def _finish(
    con: duckdb.DuckDBPyConnection,
    kind: Kind,
    path: Path,
    result: FileResult,
    columns: list[str],
    payload_expr: str | None,
    hash_prefix: str = "",
) -> None:
    """Rejects → raw._rejects; good rows deduplicated by record hash against the batch and the table."""
    src = _lit(str(path))
    _insert_rejects(
        con,
        f"""select {_lit(kind.name)} as kind, {src} as source_file, source_line, reject_reason as reason,
                   left(doc_text, {REJECT_TEXT_CHARS}) as raw_text
            from _parsed where reject_reason is not null""",
    )
    counts = con.execute(
        "select count(*), count(*) filter (where reject_reason is not null) from _parsed"
    ).fetchone()
    result.rows_read += counts[0]
    result.rows_rejected += counts[1]

    col_list = ", ".join(_q(c) for c in columns)
    payload_cols = f", {payload_expr} as payload" if payload_expr else ""
    payload_names = ", payload" if payload_expr else ""
    con.execute(
        f"""create or replace temp table _good as
            select {col_list}{payload_cols}, {src} as _source_file, source_line as _source_line,
                   now()::timestamp as _loaded_at, md5({_lit(hash_prefix)} || doc_text) as _record_hash
            from _parsed
            where reject_reason is null
            qualify row_number() over (partition by md5({_lit(hash_prefix)} || doc_text) order by source_line) = 1"""
    )
    landed = con.execute(
        f"""insert into {RAW_SCHEMA}.{kind.table} ({col_list}{payload_names}, _source_file, _source_line,
                                                   _loaded_at, _record_hash)
            select * from _good g
            where not exists (select 1 from {RAW_SCHEMA}.{kind.table} t where t._record_hash = g._record_hash)"""
    ).fetchone()[0]
    result.rows_landed += landed
    result.rows_duplicate += (counts[0] - counts[1]) - landed


def land_file(
    con: duckdb.DuckDBPyConnection,
    kind: Kind,
    path: Path,
    *,
    source_system: str | None = None,
    column_map: Mapping[str, str] | None = None,
    force: bool = False,
) -> FileResult:
    """Land one file of one kind. Never raises for bad input: the error is in the result and the load log."""
    path = Path(path)
    result = FileResult(kind=kind.name, path=str(path))
    started = time.time()
    started_ts = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(started))
    if kind.has_source_system and not source_system:
        source_system = _source_system_from_name(path)
    fingerprint = ""
    try:
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        fingerprint = file_fingerprint(path) + (f":{source_system}" if source_system else "")
        if column_map:
            fingerprint += ":" + ",".join(f"{k}={v}" for k, v in sorted(column_map.items()))
        if not force and _already_landed(con, kind, fingerprint):
            result.skipped = True
            result.seconds = time.time() - started
            return result
        con.execute("begin transaction")
        try:
            if kind.is_json:
                _land_json(con, kind, path, result)
            else:
                _land_csv(con, kind, path, result, source_system, column_map)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    except (duckdb.Error, OSError, ValueError, UnicodeDecodeError) as exc:
        result.error = _short_error(exc)
        result.rows_landed = result.rows_duplicate = 0
        con.execute(
            f"insert into {RAW_SCHEMA}._rejects values (?, ?, null, ?, null, now()::timestamp)",
            [kind.name, str(path), f"file could not be read: {result.error}"],
        )
        log.warning("could not land %s (%s): %s", path, kind.name, result.error)
    result.seconds = time.time() - started
    con.execute(
        f"insert into {RAW_SCHEMA}._load_log values (?, ?, ?, ?, ?, ?, ?, ?::timestamp, ?, ?)",
        [
            kind.name,
            str(path),
            fingerprint,
            result.rows_read,
            result.rows_landed,
            result.rows_duplicate,
            result.rows_rejected,
            started_ts,
            result.seconds,
            result.error,
        ],
    )
    return result


def _short_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:500]


def _source_system_from_name(path: Path) -> str:
    stem = path.stem.lower()
    if stem.startswith("customers_") and len(stem) > len("customers_"):
        return stem[len("customers_") :]
    raise ValueError(
        f"cannot tell the source system of {path.name}: name it customers_<system>.csv "
        "or pass --source-system NAME"
    )


def land_files(
    con: duckdb.DuckDBPyConnection,
    kind: str | Kind,
    paths: Iterable[Path],
    *,
    source_system: str | None = None,
    column_map: Mapping[str, str] | None = None,
    force: bool = False,
    on_file=None,
) -> list[FileResult]:
    """Land files of one kind. ``on_file(result)`` is called after each file (progress bars)."""
    k = KINDS[kind] if isinstance(kind, str) else kind
    ensure_raw_schema(con)
    results = []
    for path in paths:
        res = land_file(con, k, Path(path), source_system=source_system, column_map=column_map, force=force)
        results.append(res)
        if on_file:
            on_file(res)
    return results


def discover(directory: Path) -> tuple[dict[str, list[Path]], list[Path]]:
    """Files under ``directory`` by kind (docs/sources.md paths), plus the files no kind claims."""
    directory = Path(directory)
    found: dict[str, list[Path]] = {}
    claimed: set[Path] = set()
    for kind in KINDS.values():
        paths: set[Path] = set()
        for pattern in kind.globs:
            paths.update(p for p in directory.glob(pattern) if p.is_file())
        if paths:
            found[kind.name] = sorted(paths)
            claimed.update(paths)
    ignored_dirs = {"truth"}
    unclaimed = sorted(
        p
        for p in directory.rglob("*")
        if p.is_file()
        and p not in claimed
        and p.name != "manifest.json"
        and not (set(p.relative_to(directory).parts[:-1]) & ignored_dirs)
    )
    return found, unclaimed
