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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from loaders.kinds import KINDS, Kind

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
MAX_OBJECT_BYTES = 256 * 1024 * 1024  # largest page / line; DuckDB sizes its read buffers by it
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



def _landed_fingerprints(con: duckdb.DuckDBPyConnection, kind: Kind, fingerprints: list[str]) -> set[str]:
    if not fingerprints:
        return set()
    rows = con.execute(
        f"""select distinct file_fingerprint from {RAW_SCHEMA}._load_log
            where kind = ? and error is null and file_fingerprint in (select unnest(?::varchar[]))""",
        [kind.name, fingerprints],
    ).fetchall()
    return {r[0] for r in rows}


def _path_list(paths: list[Path]) -> str:
    return "[" + ", ".join(_lit(str(p)) for p in paths) + "]"


# --------------------------------------------------------------------------------------------- JSON kinds


def _first_char(path: Path) -> str:
    with path.open("rb") as fh:
        while chunk := fh.read(4096):
            stripped = chunk.lstrip()
            if stripped:
                return stripped[:1].decode("ascii", "replace")
    return ""


def _json_shape(path: Path) -> str:
    if path.suffix.lower() in (".ndjson", ".jsonl"):
        return "ndjson"
    return "array" if _first_char(path) == "[" else "pages"


def _stage_json_pages(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> None:
    """Page files ``{"conversations": [...], ...}`` (job result or sync query pages) →
    ``_stage(source_file, source_line, doc_text)``, the record's position in its page as its line.
    (Reading each page as one JSON object and extracting the list is ~2x faster than DuckDB's typed
    read_json of the same files.)"""
    con.execute(
        f"""create or replace temp table _stage as
            select filename as source_file,
                   unnest(range(1, len(items) + 1)) as source_line,
                   unnest(items)::varchar as doc_text,
                   null::varchar as raw_text
            from (
                select filename, json_extract(json, '$.conversations[*]') as items
                from read_json_objects({_path_list(paths)}, format='auto', filename=true,
                                       maximum_object_size={MAX_OBJECT_BYTES})
            )"""
    )


def _stage_json_array(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> None:
    """Files holding a bare JSON array of records."""
    con.execute(
        f"""create or replace temp table _stage as
            select filename as source_file,
                   row_number() over (partition by filename order by ordinal) as source_line,
                   doc_text,
                   null::varchar as raw_text
            from (
                select filename, json::varchar as doc_text, row_number() over () as ordinal
                from read_json_objects({_path_list(paths)}, format='array', filename=true,
                                       maximum_object_size={MAX_OBJECT_BYTES})
            )"""
    )


def _stage_ndjson(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> None:
    """Every line of the files as text with its file and line number; JSON validity is judged afterwards,
    so one bad line never stops the others. Files are scanned in order, so a line's number is its scan
    position minus the position of its file's first line (empty lines are scanned too, as nulls)."""
    con.execute(
        f"""create or replace temp table _stage as
            with scanned as (
                select filename, line, row_number() over () as position
                from read_csv({_path_list(paths)}, columns={{'line': 'VARCHAR'}}, header=false, delim='\x1e',
                              quote='', escape='', auto_detect=false, filename=true,
                              max_line_size={MAX_OBJECT_BYTES})
            )
            select filename as source_file,
                   position - min(position) over (partition by filename) + 1 as source_line,
                   try(json(line))::varchar as doc_text,
                   line as raw_text
            from scanned
            qualify line is not null and trim(line) <> ''"""
    )


def _land_json(con: duckdb.DuckDBPyConnection, kind: Kind, paths: list[Path], shape: str) -> None:
    {"ndjson": _stage_ndjson, "array": _stage_json_array, "pages": _stage_json_pages}[shape](con, paths)
    key_path = kind.json_columns[0][1]
    paths = "[" + ", ".join(_lit(jpath) for _, jpath in kind.json_columns) + "]"
    extracted = ", ".join(f"vals[{i}] as {name}" for i, (name, _) in enumerate(kind.json_columns, start=1))
    # doc_text is DuckDB's canonical JSON text (or null when the line was not JSON), so an object starts
    # with '{' and one multi-path extraction parses each record once
    con.execute(
        f"""create or replace temp table _parsed as
            select source_file, source_line, coalesce(doc_text, raw_text) as doc_text, {extracted},
                   case
                       when doc_text is null then 'malformed JSON'
                       when left(doc_text, 1) <> '{{' then 'not a JSON object'
                       when nullif(trim(vals[1]), '') is null then 'missing key {key_path[2:]}'
                   end as reject_reason
            from (
                select source_file, source_line, doc_text, raw_text,
                       case when left(doc_text, 1) = '{{' then json_extract_string(doc_text, {paths}) end as vals
                from _stage
            )"""
    )
    _finish(con, kind, [name for name, _ in kind.json_columns], payload_expr="doc_text")


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
    source_system: str | None,
    column_map: Mapping[str, str] | None,
) -> int:
    """Land one CSV file; returns how many rows DuckDB could not parse (already in raw._rejects).
    Leaves ``_file_stats`` for the rows it could parse."""
    con.execute("create or replace temp table _file_stats as select ''::varchar as source_file, "
                "0::bigint as rows_read, 0::bigint as rows_rejected, 0::bigint as rows_landed where false")
    header = _read_header(path)
    if not header:
        return 0
    if len(set(header)) != len(header):
        raise ValueError(f"duplicate column names in the header: {header}")
    mapping = {k.strip().lower(): v.strip().lower() for k, v in (column_map or {}).items()}
    canonical = {c.lower() for c in kind.csv_columns}
    chosen: dict[str, str] = {}  # canonical (lower) -> header column
    extras: list[str] = []
    for col in header:
        target = mapping.get(col.strip().lower(), col.strip().lower())
        if target in canonical and target not in chosen:
            chosen[target] = col
        else:
            extras.append(col)
    missing_keys = [k for k in kind.key_columns if k.lower() not in chosen]
    if missing_keys:
        raise ValueError(
            f"the file has no {', '.join(missing_keys)} column (columns: {', '.join(header)}); "
            f"map one with --map their_column={missing_keys[0]}"
        )

    columns_sql = ", ".join(f"{_lit(h)}: 'VARCHAR'" for h in header)
    con.execute("drop table if exists _csv_rejects; drop table if exists _csv_scans")
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
    unparseable = con.execute("select count(distinct line) from _csv_rejects").fetchone()[0]
    # record number r → file line: 1 (header) + r + the unparseable lines before it (Lj − j ≤ r);
    # exact unless a quoted field spans several lines.
    con.execute(
        """create or replace temp table _csv as
            with bad as (
                select line, row_number() over (order by line) as j
                from (select distinct line from _csv_rejects)
            )
            select c.record_no + 1 + (select count(*) from bad where bad.line - bad.j <= c.record_no)
                       as source_line,
                   c.* exclude (record_no)
            from _csv_raw c"""
    )

    select_cols = [
        f"{_q(chosen[c.lower()])} as {_q(c.lower())}" if c.lower() in chosen else f"null::varchar as {_q(c.lower())}"
        for c in kind.csv_columns
    ]
    attrs = ("json_object(" + ", ".join(f"{_lit(e)}, {_q(e)}" for e in extras) + ")") if extras else "null::json"
    key_checks = " or ".join(f"nullif(trim({_q(chosen[k.lower()])}), '') is null" for k in kind.key_columns)
    system_col = f"{_lit(source_system)} as source_system, " if kind.has_source_system else ""
    doc = "json_object(" + ", ".join(f"{_lit(h)}, {_q(h)}" for h in header) + ")"
    con.execute(
        f"""create or replace temp table _parsed as
            select {_lit(str(path))} as source_file, source_line, {system_col}{', '.join(select_cols)},
                   {attrs} as raw_attributes,
                   case when {key_checks} then 'missing key {', '.join(kind.key_columns)}' end as reject_reason,
                   {doc}::varchar as doc_text
            from _csv"""
    )
    _finish(
        con,
        kind,
        ["source_system"] * kind.has_source_system + [c.lower() for c in kind.csv_columns] + ["raw_attributes"],
        payload_expr=None,
        hash_prefix=source_system or "",
    )
    return unparseable


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
    columns: list[str],
    payload_expr: str | None,
    hash_prefix: str = "",
) -> None:
    """From ``_parsed(source_file, source_line, doc_text, reject_reason, <columns>)``: rejects → raw._rejects;
    good rows deduplicated by record hash within the batch and against the table, then inserted. Leaves
    ``_file_stats(source_file, rows_read, rows_rejected, rows_landed)`` for the caller."""
    _insert_rejects(
        con,
        f"""select {_lit(kind.name)} as kind, source_file, source_line, reject_reason as reason,
                   left(doc_text, {REJECT_TEXT_CHARS}) as raw_text
            from _parsed where reject_reason is not null""",
    )
    col_list = ", ".join(_q(c) for c in columns)
    payload_cols = f", {payload_expr} as payload" if payload_expr else ""
    payload_names = ", payload" if payload_expr else ""
    con.execute(
        f"""create or replace temp table _new as
            select {col_list}{payload_cols}, source_file as _source_file, source_line as _source_line,
                   now()::timestamp as _loaded_at, _record_hash
            from (
                select *, md5({_lit(hash_prefix)} || doc_text) as _record_hash
                from _parsed
                where reject_reason is null
            )
            where _record_hash not in (select _record_hash from {RAW_SCHEMA}.{kind.table})
            qualify row_number() over (partition by _record_hash order by source_file, source_line) = 1"""
    )
    con.execute(
        f"""insert into {RAW_SCHEMA}.{kind.table} ({col_list}{payload_names}, _source_file, _source_line,
                                                   _loaded_at, _record_hash)
            select * from _new"""
    )
    con.execute(
        """create or replace temp table _file_stats as
            select p.source_file, p.rows_read, p.rows_rejected, coalesce(n.rows_landed, 0) as rows_landed
            from (
                select source_file, count(*) as rows_read, count(reject_reason) as rows_rejected
                from _parsed group by source_file
            ) p
            left join (select _source_file, count(*) as rows_landed from _new group by _source_file) n
                on n._source_file = p.source_file"""
    )


def _apply_stats(con: duckdb.DuckDBPyConnection, results: dict[str, FileResult]) -> None:
    for source_file, read, rejected, landed in con.execute("select * from _file_stats").fetchall():
        res = results[source_file]
        res.rows_read += read
        res.rows_rejected += rejected
        res.rows_landed += landed
        res.rows_duplicate += read - rejected - landed


def _log_results(con: duckdb.DuckDBPyConnection, entries: list[tuple[FileResult, str, float]]) -> None:
    """raw._load_log rows (and a file-level reject for a file that could not be read)."""
    for res, _, _ in entries:
        if res.error:
            res.rows_landed = res.rows_duplicate = 0
            _insert_rejects(
                con,
                f"""select {_lit(res.kind)} as kind, {_lit(res.path)} as source_file, null::bigint as source_line,
                           {_lit('file could not be read: ' + res.error)} as reason, null::varchar as raw_text""",
            )
            log.warning("could not land %s (%s): %s", res.path, res.kind, res.error)
    con.executemany(
        f"insert into {RAW_SCHEMA}._load_log values (?, ?, ?, ?, ?, ?, ?, to_timestamp(?)::timestamp, ?, ?)",
        [
            [res.kind, res.path, fp, res.rows_read, res.rows_landed, res.rows_duplicate, res.rows_rejected,
             started, res.seconds, res.error]
            for res, fp, started in entries
        ],
    )


def _in_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], object]) -> None:
    con.execute("begin transaction")
    try:
        work()
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _batches(paths: list[Path], max_files: int, max_bytes: int) -> Iterator[list[Path]]:
    batch: list[Path] = []
    size = 0
    for path in paths:
        file_size = path.stat().st_size
        if batch and (len(batch) >= max_files or size + file_size > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(path)
        size += file_size
    if batch:
        yield batch


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


LANDING_ERRORS = (duckdb.Error, OSError, ValueError, UnicodeDecodeError)


def land_files(
    con: duckdb.DuckDBPyConnection,
    kind: str | Kind,
    paths: Iterable[Path],
    *,
    source_system: str | None = None,
    column_map: Mapping[str, str] | None = None,
    force: bool = False,
    on_file: Callable[[FileResult], None] | None = None,
    batch_files: int = 256,
    batch_bytes: int = 1024 * 1024 * 1024,
) -> list[FileResult]:
    """Land files of one kind. Never raises for bad input: a file's error is in its result, in raw._rejects
    and in raw._load_log, and the other files still land. JSON files are read by DuckDB in batches (up to
    ``batch_files`` files / ``batch_bytes``) in one transaction each; a batch that fails is retried file by
    file so only the bad file is lost. A file whose fingerprint already landed is skipped unless ``force``.
    ``on_file(result)`` is called once per file (progress bars)."""
    k = KINDS[kind] if isinstance(kind, str) else kind
    ensure_raw_schema(con)
    results: list[FileResult] = []
    pending: list[tuple[Path, FileResult, str, str | None]] = []
    checked: list[tuple[Path, FileResult, str, str | None]] = []
    for raw_path in paths:
        path = Path(raw_path)
        res = FileResult(kind=k.name, path=str(path))
        results.append(res)
        started = time.time()
        try:
            if not path.is_file():
                raise FileNotFoundError(f"no such file: {path}")
            system = source_system or (_source_system_from_name(path) if k.has_source_system else None)
            fingerprint = file_fingerprint(path) + (f":{system}" if system else "")
            if column_map:
                fingerprint += ":" + ",".join(f"{a}={b}" for a, b in sorted(column_map.items()))
        except (OSError, ValueError) as exc:
            res.error = _short_error(exc)
            _log_results(con, [(res, "", started)])
            if on_file:
                on_file(res)
            continue
        checked.append((path, res, fingerprint, system))
    already = set() if force else _landed_fingerprints(con, k, [f for _, _, f, _ in checked])
    for path, res, fingerprint, system in checked:
        if fingerprint in already:
            res.skipped = True
            if on_file:
                on_file(res)
        else:
            pending.append((path, res, fingerprint, system))

    if k.is_json:
        by_shape: dict[str, list[tuple[Path, FileResult, str]]] = {}
        for path, res, fingerprint, _ in pending:
            by_shape.setdefault(_json_shape(path), []).append((path, res, fingerprint))
        for shape, items in by_shape.items():
            lookup = {str(p): (p, r, f) for p, r, f in items}
            for batch in _batches([p for p, _, _ in items], batch_files, batch_bytes):
                _land_json_batch(con, k, shape, [lookup[str(p)] for p in batch], on_file)
        return results

    for path, res, fingerprint, system in pending:
        started = time.time()
        unparseable = 0

        def work(path: Path = path, system: str | None = system) -> None:
            nonlocal unparseable
            unparseable = _land_csv(con, k, path, system, column_map)

        try:
            _in_transaction(con, work)
            _apply_stats(con, {str(path): res})
            res.rows_rejected += unparseable
        except LANDING_ERRORS as exc:
            res.error = _short_error(exc)
            res.rows_read = res.rows_rejected = 0
        res.seconds = time.time() - started
        _log_results(con, [(res, fingerprint, started)])
        if on_file:
            on_file(res)
    return results


def _land_json_batch(
    con: duckdb.DuckDBPyConnection,
    kind: Kind,
    shape: str,
    items: list[tuple[Path, FileResult, str]],
    on_file: Callable[[FileResult], None] | None,
) -> None:
    started = time.time()
    try:
        _in_transaction(con, lambda: _land_json(con, kind, [p for p, _, _ in items], shape))
        _apply_stats(con, {str(p): r for p, r, _ in items})
    except LANDING_ERRORS as exc:
        if len(items) > 1:  # find the bad file: land this batch's files one by one
            for item in items:
                _land_json_batch(con, kind, shape, [item], on_file)
            return
        items[0][1].error = _short_error(exc)
    elapsed = time.time() - started
    for _, res, _ in items:
        res.seconds = elapsed / len(items)
    _log_results(con, [(res, fingerprint, started) for _, res, fingerprint in items])
    if on_file:
        for _, res, _ in items:
            on_file(res)


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
