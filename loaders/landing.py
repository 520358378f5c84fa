"""Land source files into DuckDB ``raw.*``: idempotent, schema-drift tolerant; bad input never stops the good
records around it, and every reject names file, line and reason. Contract: docs/sources.md.

Fast path. One Python pass per file hashes the whole file (sha256: the fingerprint that decides "unchanged")
and notes what DuckDB's readers cannot take (a lone carriage return, mixed line endings, the NDJSON line
reader's separator byte). DuckDB then parses the file (``read_json_objects`` / ``read_csv``), so clean files
land near DuckDB's own read speed; Python only orchestrates.

Robust path. When that pass or DuckDB finds a problem — bytes that are not UTF-8, a lone ``\\r``, a quote that
never closes, a record spanning lines, a row DuckDB dropped or rejected for its encoding, any read error —
Python walks the file line by line, rejects the bad lines with their numbers and writes a cleaned temporary
copy in which every record carries its original line number; DuckDB reads that copy like the fast path. So
line numbers stay true even with multi-line quoted fields, and the same record lands with the same
``_record_hash`` either way.

Idempotency: every landed row carries ``_record_hash`` (md5 of the record as received, plus the source
system for customer records). A row whose hash is already in its raw table is counted as a duplicate and
not inserted, so the same file landed twice, or the same record in two files, lands once.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import logging
import tempfile
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, NamedTuple

import duckdb

from loaders.dates import check_date_order, report_date_column
from loaders.kinds import KINDS, Kind

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
MAX_OBJECT_BYTES = 256 * 1024 * 1024  # largest page / line / CSV record; DuckDB sizes its read buffers by it
MAX_RECORD_LINES = 10_000  # a CSV record (quoted fields spanning lines) still open after this many lines is broken
REJECT_TEXT_CHARS = 4000
REASON_VALUE_CHARS = 40  # a bad value quoted in a reject reason is cut to this many characters
HASH_ALGORITHM = "sha256"  # ~1 GB/s here (bench/bench_landing.py prints its share of the landing time)
SCAN_CHUNK_BYTES = 8 << 20
# keys a Genesys page may hold besides "conversations": a page that only has these is an empty page
# (the details query answers {"totalHits": 0} when nothing matched)
PAGE_METADATA_KEYS = ("cursor", "totalHits", "dataAvailabilityDate")
PAGE_SHAPE = 'expected an object with a "conversations" array; found '
_CR = "\ue000"  # stands for a lone carriage return while Python's csv module splits records


@dataclass
class FileResult:
    kind: str
    path: str
    rows_read: int = 0
    rows_landed: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    seconds: float = 0.0
    error: str | None = None  # the file as a whole could not land (also a file-level reject)
    skipped: bool = False  # identical file already landed
    notes: list[str] = field(default_factory=list)  # worth saying, not an error (empty file, header only, ...)

    @property
    def ok(self) -> bool:
        return self.error is None


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def timestamp_check_sql(expr: str) -> str:
    """SQL that is true when ``expr`` (text) is not a timestamp staging can read: the same cast as the
    ``iso_to_utc`` macro (macros/cross_db/dates.sql), so landing rejects exactly what staging would null."""
    return f"(try_cast({expr} as timestamptz) is null)"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``raw`` and every raw table, the rejects and the load log (no-op when they exist)."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    meta = "_source_file varchar, _source_line bigint, _loaded_at timestamp, _record_hash varchar"
    for kind in KINDS.values():
        if kind.is_json:
            cols = ", ".join(f"{name} varchar" for name, _ in kind.json_columns)
            ddl = f"{cols}, payload json, {meta}"
        else:
            source = "source_system varchar, date_order varchar, " if kind.has_source_system else ""
            cols = ", ".join(f"{_q(c.lower())} varchar" for c in kind.csv_columns)
            ddl = f"{source}{cols}, raw_attributes json, {meta}"
        con.execute(f"create table if not exists {RAW_SCHEMA}.{kind.table} ({ddl})")
        if kind.has_source_system:  # warehouses landed before --date-order existed
            con.execute(f"alter table {RAW_SCHEMA}.{kind.table} add column if not exists date_order varchar")
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


# ------------------------------------------------------------------------------------- one pass per file


@dataclass
class FileScan:
    """What one pass over a file found: its fingerprint and whether DuckDB's fast readers can take it."""

    fingerprint: str
    size: int
    lines: int  # physical lines: the \n count, plus a last line without one
    trailing_blank: int  # empty lines at the end (DuckDB's CSV reader skips them)
    first_byte: bytes  # first non-whitespace byte; b"" for an empty or all-whitespace file
    ascii: bool
    lone_cr: bool  # a \r that does not end a line as \r\n
    mixed_newlines: bool  # both \r\n and bare \n line ends
    crlf_only: bool  # every line ends in \r\n
    record_separator: bool  # a \x1e byte (the NDJSON line reader's column separator)
    hash_seconds: float = 0.0

    @property
    def blank(self) -> bool:
        return not self.first_byte


def scan_file(path: Path, count_lines: bool = True) -> FileScan:
    """Hash the whole file and count what the fast path needs, in one pass (C-speed byte scans only).
    ``count_lines=False`` (JSON pages and arrays, which have no use for it) skips the one scan that costs
    about as much as the hash; ``lines`` is then 0."""
    started = time.perf_counter()
    digest = hashlib.new(HASH_ALGORITHM)
    size = lf = cr = crlf = 0
    is_ascii, rs = True, False
    first = b""
    last = tail = b""
    # sha256 releases the GIL: a helper thread hashes a chunk while this one scans it (the two cost about
    # the same, so a big file is scanned in about the time of hashing it); small files hash inline
    threaded = count_lines and path.stat().st_size > 4 * SCAN_CHUNK_BYTES
    hasher = ThreadPoolExecutor(max_workers=1) if threaded else None
    pending: Future | None = None
    with path.open("rb") as fh:
        while chunk := fh.read(SCAN_CHUNK_BYTES):
            if hasher:
                if pending:
                    pending.result()
                pending = hasher.submit(digest.update, chunk)
            else:
                digest.update(chunk)
            size += len(chunk)
            if count_lines:
                lf += chunk.count(b"\n")
            if b"\r" in chunk:
                cr += chunk.count(b"\r")
                crlf += chunk.count(b"\r\n")
            if last == b"\r" and chunk[:1] == b"\n":
                crlf += 1
            if is_ascii and not chunk.isascii():
                is_ascii = False
            if not rs and b"\x1e" in chunk:
                rs = True
            if not first:
                first = chunk.lstrip()[:1]
            last = chunk[-1:]
            tail = chunk[-65536:] if len(chunk) >= 65536 else (tail + chunk)[-65536:]
    if hasher:
        if pending:
            pending.result()
        hasher.shutdown()
    lines = lf + (1 if size and not tail.endswith(b"\n") else 0)
    if not first:
        trailing = lines
    elif tail.endswith(b"\n"):
        trailing = max(tail[len(tail.rstrip(b"\r\n")) :].count(b"\n") - 1, 0)
    else:
        trailing = 0
    return FileScan(
        fingerprint=f"{HASH_ALGORITHM}:{digest.hexdigest()}",
        size=size,
        lines=lines,
        trailing_blank=trailing,
        first_byte=first,
        ascii=is_ascii,
        lone_cr=cr > crlf,
        mixed_newlines=0 < crlf < lf,
        crlf_only=0 < crlf == lf,
        record_separator=rs,
        hash_seconds=time.perf_counter() - started,
    )


def file_fingerprint(path: Path) -> str:
    """Hash of the whole file's content: a file whose content differs is never skipped as unchanged."""
    return scan_file(path).fingerprint


def _landing_fingerprint(scan: FileScan, system: str | None, mapping: Mapping[str, str] | None,
                         encoding: str | None, date_order: str | None) -> str:
    """What decides "this file already landed": its content hash plus every option that changes the rows."""
    fingerprint = scan.fingerprint + (f":{system}" if system else "")
    if mapping:
        fingerprint += ":" + ",".join(f"{a}={b}" for a, b in sorted(mapping.items()))
    if encoding:
        fingerprint += f":encoding={encoding}"
    if date_order:
        fingerprint += f":date_order={date_order}"
    return fingerprint


def already_landed(con: duckdb.DuckDBPyConnection | None, kind: str | Kind, paths: Iterable[Path]) -> dict[Path, bool]:
    """Whether each file would be skipped as already landed by :func:`land_files` with its defaults (no column
    map, encoding or date order), read only: nothing is created or written. ``con`` None (no warehouse yet):
    nothing has landed."""
    k = KINDS[kind] if isinstance(kind, str) else kind
    prints: dict[Path, str] = {}
    for raw_path in paths:
        path = Path(raw_path)
        system = _source_system_from_name(path) if k.has_source_system else None
        prints[path] = _landing_fingerprint(scan_file(path, count_lines=False), system, None, None, None)
    known: set[str] = set()
    if con is not None and con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = '_load_log'",
        [RAW_SCHEMA],
    ).fetchone()[0]:  # type: ignore[index]
        known = _landed_fingerprints(con, k, list(prints.values()))
    return {path: fingerprint in known for path, fingerprint in prints.items()}


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


# ------------------------------------------------------------------------------ physical lines, decoded


class _Line(NamedTuple):
    number: int
    text: str  # decoded, line ending kept (bytes that do not decode as surrogate escapes)
    raw: bytes
    problem: str | None  # why the line cannot land (it does not decode)


def _shown(raw: bytes) -> str:
    """A rejected line as text for raw._rejects: bytes that are not UTF-8 shown as \\xNN."""
    return raw.rstrip(b"\r\n").decode("utf-8", "backslashreplace")[:REJECT_TEXT_CHARS]


def _not_decodable(number: int, raw: bytes, exc: UnicodeDecodeError, encoding: str | None) -> str:
    where = f"byte 0x{raw[exc.start]:02X} at byte {exc.start + 1} of the line"
    if encoding:
        return f"line {number} is not valid {encoding} ({where}): check --encoding"
    return (
        f"line {number} is not UTF-8 ({where}): re-export the file as UTF-8, or land it with --encoding NAME "
        "(e.g. --encoding cp1252) if the whole file is in another encoding"
    )


def _physical_lines(fh: IO[bytes], encoding: str | None) -> Iterator[_Line]:
    """The file's lines split at \\n only (a lone \\r stays inside its line), decoded one by one, so a bad byte
    costs its line and nothing else."""
    codec = encoding or "utf-8"
    for number, raw in enumerate(fh, start=1):
        problem = None
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError as exc:
            text = raw.decode(codec, "surrogateescape" if codec == "utf-8" else "replace")
            problem = _not_decodable(number, raw, exc, encoding)
        if number == 1 and text.startswith("\ufeff"):
            text = text[1:]
        yield _Line(number, text, raw, problem)


def _body(text: str) -> tuple[str, str]:
    """(content, line ending) of a physical line."""
    if text.endswith("\r\n"):
        return text[:-2], "\r\n"
    if text.endswith(("\n", "\r")):
        return text[:-1], text[-1]
    return text, ""


# --------------------------------------------------------------------------------------------- JSON kinds


def _json_shape(path: Path, scan: FileScan) -> str:
    if path.suffix.lower() in (".ndjson", ".jsonl"):
        return "ndjson"
    return "array" if scan.first_byte == b"[" else "pages"


_STAGE_DDL = """create or replace temp table _stage (
    source_file varchar, source_line bigint, doc_text varchar, raw_text varchar, file_lines bigint)"""


def _json_type_name_sql(expr: str) -> str:
    return f"""case {expr} when 'VARCHAR' then 'a string' when 'BOOLEAN' then 'a boolean' when 'NULL' then 'null'
                when 'OBJECT' then 'an object' when 'ARRAY' then 'an array' else 'a number' end"""


def _stage_json_pages(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> None:
    """Page files ``{"conversations": [...], ...}`` (job result or sync query pages) → ``_stage``, the
    record's position in its page as its line. (Reading each page as one JSON object and extracting the list
    is ~2x faster than DuckDB's typed read_json of the same files.) A file that gives no record is empty or
    not a page: ``_page_shapes`` tells which."""
    con.execute(
        f"""insert into _stage
            select filename, unnest(range(1, len(items) + 1)), unnest(items)::varchar, null, null
            from (
                select filename, json_extract(json, '$.conversations[*]') as items
                from read_json_objects({_path_list(paths)}, format='auto', filename=true,
                                       maximum_object_size={MAX_OBJECT_BYTES})
            )"""
    )


def _page_shapes(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> dict[str, str | None]:
    """For page files that gave no record: what each one is when it is not a page (None: an empty page, an
    object with an empty "conversations" array or only page metadata such as ``{"totalHits": 0}``)."""
    keys = "json_keys(json)"
    meta = "[" + ", ".join(_lit(k) for k in PAGE_METADATA_KEYS) + "]"
    found = f"""case
        when count(*) over (partition by filename) > 1
            then 'several JSON documents (one conversation per line is NDJSON: name the file .ndjson)'
        when root = 'OBJECT' and json_type(json, '$.conversations') = 'ARRAY' then null
        when root = 'OBJECT' and json_exists(json, '$.conversations')
            then 'an object whose "conversations" is ' || {_json_type_name_sql("json_type(json, '$.conversations')")}
        when root = 'OBJECT' and len({keys}) > 0 and list_has_all({meta}, {keys}) then null
        when root = 'OBJECT' and len({keys}) = 0 then 'an object with no keys'
        when root = 'OBJECT' then 'an object with keys ' || array_to_string({keys}[1:10], ', ')
                                  || case when len({keys}) > 10 then ', ...' else '' end
        else {_json_type_name_sql("root")}
    end"""
    rows = con.execute(
        f"""select filename, any_value(found)
            from (
                select filename, {found} as found
                from (
                    select filename, json, json_type(json) as root
                    from read_json_objects({_path_list(paths)}, format='auto', filename=true,
                                           maximum_object_size={MAX_OBJECT_BYTES})
                )
            )
            group by filename"""
    ).fetchall()
    return dict(rows)


def _stage_json_array(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> None:
    """Files holding a bare JSON array of records."""
    con.execute(
        f"""insert into _stage
            select filename, row_number() over (partition by filename order by ordinal), doc_text, null, null
            from (
                select filename, json::varchar as doc_text, row_number() over () as ordinal
                from read_json_objects({_path_list(paths)}, format='array', filename=true,
                                       maximum_object_size={MAX_OBJECT_BYTES})
            )"""
    )


def _stage_ndjson(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> None:
    """Every line of the files as text with its file and line number; JSON validity is judged afterwards,
    so one bad line never stops the others. Files are scanned in order, so a line's number is its scan
    position minus the position of its file's first line (empty lines are scanned too, as nulls);
    ``file_lines`` (lines scanned per file) is checked against the file's own line count."""
    con.execute(
        f"""insert into _stage
            with scanned as (
                select filename, line, row_number() over () as position
                from read_csv({_path_list(paths)}, columns={{'line': 'VARCHAR'}}, header=false, delim='\x1e',
                              quote='', escape='', auto_detect=false, filename=true,
                              max_line_size={MAX_OBJECT_BYTES})
            )
            select filename,
                   position - min(position) over (partition by filename) + 1,
                   try(json(line))::varchar,
                   line,
                   count(*) over (partition by filename)
            from scanned
            qualify line is not null and trim(line) <> ''"""
    )


def _stage_cleaned(con: duckdb.DuckDBPyConnection, original: Path, cleaned: Path) -> None:
    """A cleaned copy written by the robust path (``<line number>\\x1e<record>`` per line) → ``_stage``."""
    con.execute(
        f"""insert into _stage
            select {_lit(str(original))}, n, try(json(line))::varchar, line, null
            from read_csv({_lit(str(cleaned))}, columns={{'n': 'BIGINT', 'line': 'VARCHAR'}}, header=false,
                          delim='\x1e', quote='', escape='', auto_detect=false, new_line='\\n',
                          max_line_size={MAX_OBJECT_BYTES})"""
    )


Rejects = list[tuple[int | None, str, str | None]]  # (line, reason, raw text) found in Python


def _clean_ndjson(path: Path, scan: FileScan, encoding: str | None, out: Path) -> Rejects:
    """NDJSON → cleaned copy: lines that do not decode, hold only a stray \\r or a raw control character DuckDB's
    line reader cannot carry are rejected; a lone \\r between JSON tokens (whitespace) becomes a space."""
    rejects: Rejects = []
    with path.open("rb") as fh, out.open("w", encoding="utf-8", newline="\n") as sink:
        for line in _physical_lines(fh, encoding):
            if line.problem:
                rejects.append((line.number, line.problem, _shown(line.raw)))
                continue
            body, _ = _body(line.text)
            if not body.strip(" "):
                if "\r" in line.text and not scan.crlf_only:
                    rejects.append((
                        line.number,
                        f"line {line.number} holds only a carriage return (\\r): a stray line break in a file whose "
                        "lines end in \\n; it holds no record",
                        _shown(line.raw),
                    ))
                continue
            if "\r" in body:
                try:
                    json.loads(body)
                except ValueError:
                    rejects.append((line.number, "malformed JSON (a carriage return \\r inside the line)",
                                    _shown(line.raw)))
                    continue
                body = body.replace("\r", " ")  # it was whitespace between tokens: the same JSON
            if "\x1e" in body:
                rejects.append((line.number, "malformed JSON (a raw control character U+001E)", _shown(line.raw)))
                continue
            sink.write(f"{line.number}\x1e{body}\n")
    return rejects


def _python_shape(doc: object) -> str | None:
    """What a page document is when it is not a page (None when it is one); same words as the SQL."""
    if isinstance(doc, dict):
        if "conversations" in doc:
            items = doc["conversations"]
            return None if isinstance(items, list) else f'an object whose "conversations" is {_type_name(items)}'
        keys = list(doc)
        if keys and set(keys) <= set(PAGE_METADATA_KEYS):
            return None
        if not keys:
            return "an object with no keys"
        return "an object with keys " + ", ".join(keys[:10]) + (", ..." if len(keys) > 10 else "")
    return _type_name(doc)


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "a number"


class FileRejected(ValueError):
    """The file as a whole cannot land (its reason is the file-level reject)."""


def _clean_json_document(path: Path, shape: str, encoding: str | None, out: Path) -> Rejects:
    """A page or bare-array file DuckDB could not read (bytes that are not UTF-8, another encoding) →
    cleaned copy with one record per line and its position as line; records holding undecodable bytes are
    rejected, the rest land."""
    data = path.read_bytes()
    codec = encoding or "utf-8"
    try:
        text, undecodable = data.decode(codec), False
    except UnicodeDecodeError as exc:
        if encoding:
            raise FileRejected(f"the file is not valid {encoding} (byte 0x{data[exc.start]:02X} at byte "
                               f"{exc.start + 1}): check --encoding") from None
        text, undecodable = data.decode("utf-8", "surrogateescape"), True
    try:
        doc = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise FileRejected(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if shape == "pages":
        found = _python_shape(doc)
        if found:
            raise FileRejected(PAGE_SHAPE + found)
        records = doc.get("conversations") or []  # type: ignore[union-attr]
    elif isinstance(doc, list):
        records = doc
    else:
        raise FileRejected(f"expected a JSON array of records; found {_type_name(doc)}")
    rejects: Rejects = []
    with out.open("w", encoding="utf-8", newline="\n") as sink:
        for number, record in enumerate(records, start=1):
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
            if undecodable:
                try:
                    line.encode("utf-8")
                except UnicodeEncodeError:
                    rejects.append((
                        number,
                        f"record {number} holds bytes that are not UTF-8: re-export the file as UTF-8, or land it "
                        "with --encoding NAME if the whole file is in another encoding",
                        json.dumps(record)[:REJECT_TEXT_CHARS],
                    ))
                    continue
            sink.write(f"{number}\x1e{line}\n")
    return rejects


def _parse_json(con: duckdb.DuckDBPyConnection, kind: Kind) -> None:
    """``_stage`` → ``_parsed``: typed columns and the reason a record cannot land (not JSON, not an object,
    no key, a required timestamp missing or not one staging can read)."""
    key_path = kind.json_columns[0][1]
    paths = "[" + ", ".join(_lit(jpath) for _, jpath in kind.json_columns) + "]"
    extracted = ", ".join(f"vals[{i}] as {name}" for i, (name, _) in enumerate(kind.json_columns, start=1))
    checks = [
        "when doc_text is null then 'malformed JSON'",
        "when left(doc_text, 1) <> '{' then 'not a JSON object'",
        f"when nullif(trim(vals[1]), '') is null then 'missing key {key_path[2:]}'",
    ]
    for i, (name, jpath) in enumerate(kind.json_columns, start=1):
        if name not in kind.timestamp_columns:
            continue
        label, value = jpath[2:], f"vals[{i}]"
        if name in kind.required_columns:
            checks.append(f"when {value} is null then 'missing {label}'")
        shown = (f"left({value}, {REASON_VALUE_CHARS}) || case when length({value}) > {REASON_VALUE_CHARS} "
                 "then '...' else '' end")
        checks.append(
            f"when {value} is not null and {timestamp_check_sql(value)} "
            f"then {_lit(label + ' is not an ISO-8601 timestamp: ')} || '\"' || {shown} || '\"'"
        )
    # doc_text is DuckDB's canonical JSON text (or null when the line was not JSON), so an object starts
    # with '{' and one multi-path extraction parses each record once
    con.execute(
        f"""create or replace temp table _parsed as
            select source_file as __cx_file, source_line as __cx_line, coalesce(doc_text, raw_text) as __cx_doc,
                   {extracted},
                   case {' '.join(checks)} end as __cx_reason
            from (
                select source_file, source_line, doc_text, raw_text,
                       case when left(doc_text, 1) = '{{' then json_extract_string(doc_text, {paths}) end as vals
                from _stage
            )"""
    )


# ---------------------------------------------------------------------------------------------- CSV kinds


class _RecordTooLong(Exception):
    pass


class _CsvFeed:
    """Physical lines for ``csv.reader``, one at a time, remembering the lines of the record being read;
    lines put in ``again`` are read first (the lines of a broken record after its first one)."""

    def __init__(self, lines: Iterator[_Line]) -> None:
        self.lines = lines
        self.again: deque[_Line] = deque()
        self.taken: list[_Line] = []
        self.chars = 0

    def start_record(self) -> None:
        self.taken = []
        self.chars = 0

    def __iter__(self) -> _CsvFeed:
        return self

    def __next__(self) -> str:
        line = self.again.popleft() if self.again else next(self.lines)
        self.taken.append(line)
        self.chars += len(line.text)
        if len(self.taken) > MAX_RECORD_LINES or self.chars > MAX_OBJECT_BYTES:
            raise _RecordTooLong
        text = line.text
        if "\r" in text:
            body, ending = _body(text)
            if "\r" in body:  # csv would end the record there; keep it as data and judge it afterwards
                text = body.replace("\r", _CR) + ending
        return text


@contextmanager
def _csv_field_limit(limit: int) -> Iterator[None]:
    old = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


class CsvWalker:
    """Records of a CSV file in Python, header first, with the physical line each starts on.

    Quotes are followed by Python's csv module (strict); a record ends when its quotes balance. A record that
    cannot be read — a quote that never closes (or is still open after ``MAX_RECORD_LINES`` lines), text after
    a closing quote, a quote closing so late that the field count is wrong, a line that does not decode, a
    carriage return outside quotes, the wrong number of fields — is rejected by its first line and reading
    resumes at the next line, so a broken quote costs one line, not the rest of the file."""

    def __init__(self, path: Path, encoding: str | None) -> None:
        self.path = path
        self.encoding = encoding
        self.rejects: Rejects = []
        self.blank_lines = 0

    def records(self) -> Iterator[tuple[int, int, list[str], str | None]]:
        """(first line, last line, fields, text) per record, the header first; ``text`` is the line itself
        when it is a plain one-line record (no quotes), already valid CSV, else None."""
        with _csv_field_limit(MAX_OBJECT_BYTES), self.path.open("rb") as fh:
            feed = _CsvFeed(_physical_lines(fh, self.encoding))
            reader = csv.reader(feed, strict=True)
            expected: int | None = None
            while True:
                feed.start_record()
                # a line without quotes, bad bytes or a lone \r is one record: split it here, skipping the
                # csv module (most lines of a file that needs this path are such lines)
                try:
                    line = feed.again.popleft() if feed.again else next(feed.lines)
                except StopIteration:
                    return
                body, _ = _body(line.text)
                if line.problem is None and '"' not in body and "\r" not in body:
                    if not body:
                        self.blank_lines += 1
                        continue
                    fields = body.split(",")
                    if expected is None:
                        expected = len(fields)
                    elif len(fields) != expected:
                        word = "MISSING" if len(fields) < expected else "TOO MANY"
                        self._reject(line, f"{word} COLUMNS: Expected Number of Columns: {expected} "
                                           f"Found: {len(fields)}")
                        continue
                    yield line.number, line.number, fields, body
                    continue
                feed.again.appendleft(line)  # the csv module reads it (and the lines its quotes span)
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except (csv.Error, _RecordTooLong) as exc:
                    taken = feed.taken
                    if expected is None:
                        problem = _quote_problem(exc, taken)
                        raise FileRejected(f"the header (line 1) cannot be read: {problem}") from None
                    self._reject(taken[0], _quote_problem(exc, taken))
                    feed.again.extendleft(reversed(taken[1:]))
                    reader = csv.reader(feed, strict=True)
                    continue
                taken = feed.taken
                first = taken[0]
                if not fields:
                    self.blank_lines += 1
                    continue
                problem = next((t.problem for t in taken if t.problem), None)
                if problem:
                    if expected is None:
                        raise FileRejected(f"the header: {problem}")
                    if len(taken) > 1:
                        problem += f" (in the record that starts on line {first.number})"
                    self._reject(first, problem)
                    continue
                if expected is not None and len(fields) != expected:
                    if len(taken) > 1:  # a quote opened on the first line closed on a later one
                        self._reject(first, (
                            f"UNQUOTED VALUE: a quote opened on line {first.number} does not close on it (it would "
                            f"run to line {taken[-1].number} with {len(fields)} fields instead of {expected})"
                        ))
                        feed.again.extendleft(reversed(taken[1:]))
                        reader = csv.reader(feed, strict=True)
                        continue
                    word = "MISSING" if len(fields) < expected else "TOO MANY"
                    self._reject(first, f"{word} COLUMNS: Expected Number of Columns: {expected} Found: {len(fields)}")
                    continue
                if any(_CR in f for f in fields):
                    record = "\n".join(_body(t.text)[0] for t in taken)
                    if any("\r" in part for part in record.split('"')[::2]):  # outside quotes
                        self._reject(first, (
                            f"line {first.number} has a carriage return (\\r) outside quotes: a line break that is "
                            "neither \\n nor \\r\\n; fix the file's line endings"
                        ))
                        continue
                    fields = [f.replace(_CR, "\r") for f in fields]
                if expected is None:
                    expected = len(fields)
                yield first.number, taken[-1].number, fields, None

    def header(self) -> tuple[int, list[str]] | None:
        """(last line of the header, its fields); None for a file without one."""
        records = self.records()
        try:
            first = next(records, None)
        finally:
            records.close()
        return None if first is None else (first[1], first[2])

    def _reject(self, line: _Line, reason: str) -> None:
        self.rejects.append((line.number, reason, _shown(line.raw)))


def _quote_problem(exc: Exception, taken: list[_Line]) -> str:
    first, last = taken[0].number, taken[-1].number
    if isinstance(exc, _RecordTooLong):
        return f"UNQUOTED VALUE: a quote opened on line {first} is still open after {len(taken) - 1:,} lines"
    text = str(exc)
    if "unexpected end of data" in text:
        return f"UNQUOTED VALUE: a quote opened on line {first} never closes (the file ends inside it)"
    if "expected after" in text:
        if last > first:
            return f"UNQUOTED VALUE: a quote opened on line {first} closes on line {last} followed by text"
        return f"UNQUOTED VALUE: text after a closing quote on line {first} ({text})"
    if "field larger than field limit" in text:
        return f"a field longer than {MAX_OBJECT_BYTES:,} characters from line {first}"
    return f"malformed CSV from line {first}: {text}"


@dataclass
class _CsvPlan:
    header: list[str]
    chosen: dict[str, int]  # canonical column (lower case) -> header position
    extras: list[int]  # header positions kept in raw_attributes
    notes: list[str]


def _plan_csv(kind: Kind, header: list[str], mapping: Mapping[str, str]) -> _CsvPlan:
    """Which header column lands in which canonical column (positions, so no header name ever meets an SQL
    identifier of the loader)."""
    first_at: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in first_at:
            raise FileRejected(
                f'the header names the column "{_short(name)}" twice (columns {first_at[name] + 1} and {i + 1}): '
                "rename one"
            )
        first_at[name] = i
    lowered = [h.strip().lower() for h in header]
    canonical = {c.lower() for c in kind.csv_columns}
    chosen: dict[str, int] = {}
    extras: list[int] = []
    for i, col in enumerate(lowered):
        target = mapping.get(col, col)
        if target not in canonical:
            extras.append(i)
            continue
        if target in chosen:
            j = chosen[target]

            def how(pos: int, target: str = target) -> str:
                via = f" (--map {lowered[pos]}={target})" if lowered[pos] in mapping else ""
                return f'"{_short(header[pos])}" (column {pos + 1}){via}'

            raise FileRejected(
                f"columns {how(j)} and {how(i)} both land in {target}: drop or rename one, or map one of them "
                "to another column with --map"
            )
        chosen[target] = i
    missing = [k.lower() for k in kind.key_columns if k.lower() not in chosen]
    if missing:
        key = missing[0]
        if key in lowered and mapping.get(key, key) != key:
            raise FileRejected(
                f"no column supplies the key {key}: the file's {key} column is mapped to {mapping[key]} by "
                f"--map {key}={mapping[key]}; drop that entry, or map another column to {key}"
            )
        names = ", ".join(_short(h, 40) for h in header[:30]) + (", ..." if len(header) > 30 else "")
        raise FileRejected(
            f"the file has no {', '.join(missing)} column (columns: {names}); map one with "
            f"--map their_column={missing[0]}"
        )
    notes = [f"--map {theirs}={ours}: the file has no column {theirs}" for theirs, ours in mapping.items()
             if theirs not in lowered]
    return _CsvPlan(header, chosen, extras, notes)


def _col(i: int) -> str:
    return f"__cx_c{i + 1}"


def _csv_columns(n: int) -> str:
    return ", ".join(f"'{_col(i)}': 'VARCHAR'" for i in range(n))


_CSV_OPTIONS = (f"delim=',', quote='\"', escape='\"', auto_detect=false, store_rejects=true, "
                f"rejects_table='_csv_rejects', rejects_scan='_csv_scans', max_line_size={MAX_OBJECT_BYTES}")


def _read_csv_fast(con: duckdb.DuckDBPyConnection, path: Path, width: int, header_end: int, scan: FileScan) -> bool:
    """DuckDB reads the file; true when every data line became exactly one record or one reject (then a
    record's line follows from its position), false when the robust path must read it instead."""
    con.execute("drop table if exists _csv_rejects; drop table if exists _csv_scans")
    con.execute(
        f"""create or replace temp table _csv_raw as
            select row_number() over () as __cx_record, *
            from read_csv({_lit(str(path))}, columns={{{_csv_columns(width)}}}, header=true, {_CSV_OPTIONS})"""
    )
    rows, bad_lines, encoding = con.execute(
        """select (select count(*) from _csv_raw), (select count(distinct line) from _csv_rejects),
                  (select count(*) from _csv_rejects where error_type = 'INVALID ENCODING')"""
    ).fetchone()
    if rows + bad_lines != scan.lines - scan.trailing_blank - header_end:
        return False
    not_utf8: Rejects = []
    if encoding:  # lines DuckDB found not UTF-8: Python says which byte, and what to do
        wanted = [n for (n,) in con.execute(
            "select distinct line from _csv_rejects where error_type = 'INVALID ENCODING' order by 1"
        ).fetchall()]
        for number, raw in _lines_at(path, wanted).items():
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                not_utf8.append((number, _not_decodable(number, raw, exc, None), _shown(raw)))
        if len(not_utf8) != len(wanted):
            return False  # DuckDB and Python disagree about a line: read it the robust way
    # record r → line: the header's lines + r + the rejected lines before it (j-th rejected line L_j comes
    # before record r when the records before it, L_j − header − j, are fewer than r)
    con.execute(
        f"""create or replace temp table _csv as
            with bad as (
                select line, row_number() over (order by line) as j
                from (select distinct line from _csv_rejects)
            )
            select c.__cx_record + {header_end}
                       + (select count(*) from bad where bad.line - bad.j - {header_end} < c.__cx_record)
                       as __cx_line,
                   c.* exclude (__cx_record)
            from _csv_raw c"""
    )
    con.execute(
        f"""create or replace temp table _csv_bad as
            select line as source_line, string_agg(distinct error_type || ': ' || error_message, '; ') as reason,
                   left(any_value(csv_line), {REJECT_TEXT_CHARS}) as raw_text
            from _csv_rejects group by line"""
    )
    if not_utf8:
        lines, reasons, texts = (list(col) for col in zip(*not_utf8, strict=True))
        con.execute(
            """update _csv_bad set reason = f.reason, raw_text = f.raw_text
                from (select unnest(?::bigint[]) as line, unnest(?::varchar[]) as reason,
                             unnest(?::varchar[]) as raw_text) f
                where _csv_bad.source_line = f.line""",
            [lines, reasons, texts],
        )
    return True


def _lines_at(path: Path, numbers: list[int]) -> dict[int, bytes]:
    """The raw bytes of the given (sorted) physical lines."""
    out: dict[int, bytes] = {}
    if not numbers:
        return out
    wanted = set(numbers)
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number in wanted:
                out[number] = raw
                if len(out) == len(wanted):
                    break
    return out


def _read_csv_robust(
    con: duckdb.DuckDBPyConnection, path: Path, encoding: str | None, width: int, out: Path
) -> Rejects:
    """Python walks the file (CsvWalker) and writes the good records with their first line number as an extra
    first column; DuckDB reads that copy. Returns the rejects found in Python."""
    walker = CsvWalker(path, encoding)
    written = array("q")
    records = walker.records()
    next(records, None)  # the header
    with out.open("w", encoding="utf-8", newline="") as sink:
        quoted = io.StringIO()
        writer = csv.writer(quoted, lineterminator="\r\n")  # so a field holding \r or \n is quoted
        parts: list[str] = []
        for first, _, fields, text in records:
            if text is not None:
                parts.append(f"{first},{text}\r\n")
            else:
                writer.writerow((first, *fields))
                parts.append(quoted.getvalue())
                quoted.seek(0)
                quoted.truncate()
            written.append(first)
            if len(parts) >= 65536:
                sink.write("".join(parts))
                parts.clear()
        sink.write("".join(parts))
    con.execute("drop table if exists _csv_rejects; drop table if exists _csv_scans")
    con.execute(
        f"""create or replace temp table _csv as
            select * from read_csv({_lit(str(out))}, columns={{'__cx_line': 'BIGINT', {_csv_columns(width)}}},
                                   header=false, new_line='\\r\\n', {_CSV_OPTIONS})"""
    )
    # the copy is well formed, so DuckDB should take every record; if it does not, its rejects and any
    # record it dropped without a word are named by their original line (the copy's first column)
    con.execute(
        f"""create or replace temp table _csv_bad as
            select try_cast(split_part(any_value(csv_line), ',', 1) as bigint) as source_line,
                   string_agg(distinct error_type || ': ' || error_message, '; ') as reason,
                   left(any_value(csv_line), {REJECT_TEXT_CHARS}) as raw_text
            from _csv_rejects group by line"""
    )
    rows, bad = con.execute("select (select count(*) from _csv), (select count(*) from _csv_bad)").fetchone()
    if rows + bad != len(written):
        con.execute(
            """insert into _csv_bad
                select w.line, 'the CSV reader dropped this record without an error', null
                from (select unnest(?::bigint[]) as line) w
                where w.line not in (select __cx_line from _csv)
                  and w.line not in (select source_line from _csv_bad where source_line is not null)""",
            [written.tolist()],
        )
    return walker.rejects


def _land_csv(
    con: duckdb.DuckDBPyConnection,
    kind: Kind,
    path: Path,
    scan: FileScan,
    source_system: str | None,
    mapping: Mapping[str, str],
    encoding: str | None,
    workdir: Path,
    res: FileResult,
    date_order: str | None = None,
    known_orders: Mapping[str, str] | None = None,
) -> None:
    """Land one CSV file into its raw table; rejects (with line numbers) into raw._rejects. Customer records
    carry ``date_order`` (cx load --date-order) for staging, and the summary notes how many of their dates
    will not parse (with ``known_orders``, the seed's date_order per source system, as staging reads them)."""
    if scan.blank:
        res.notes.append("empty file: no header, no records")
        return
    header = CsvWalker(path, encoding).header()
    if header is None:
        res.notes.append("empty file: no header, no records")
        return
    header_end, names = header
    plan = _plan_csv(kind, names, mapping)
    res.notes += plan.notes
    width = len(names)

    fast = not (scan.lone_cr or scan.mixed_newlines or (encoding and not scan.ascii))
    if fast:
        try:
            fast = _read_csv_fast(con, path, width, header_end, scan)
        except duckdb.Error as exc:
            log.debug("fast CSV read of %s failed, reading it line by line: %s", path, exc)
            fast = False
    python_rejects: Rejects = []
    if not fast:
        python_rejects = _read_csv_robust(con, path, encoding, width, workdir / "cleaned.csv")

    select_cols = [
        f"{_col(plan.chosen[c.lower()])} as {_q(c.lower())}" if c.lower() in plan.chosen
        else f"null::varchar as {_q(c.lower())}"
        for c in kind.csv_columns
    ]
    attrs = ("json_object(" + ", ".join(f"{_lit(names[i])}, {_col(i)}" for i in plan.extras) + ")"
             if plan.extras else "null::json")
    key_checks = " or ".join(f"nullif(trim({_col(plan.chosen[k.lower()])}), '') is null" for k in kind.key_columns)
    system_col = (
        f"{_lit(source_system)} as source_system, {_lit(date_order) if date_order else 'null::varchar'} as date_order, "
        if kind.has_source_system
        else ""
    )
    doc = "json_object(" + ", ".join(f"{_lit(h)}, {_col(i)}" for i, h in enumerate(names)) + ")"

    def work() -> None:
        _insert_rejects(
            con,
            f"""select {_lit(kind.name)} as kind, {_lit(str(path))} as source_file, source_line, reason, raw_text
                from _csv_bad""",
        )
        _insert_python_rejects(con, kind, path, python_rejects)
        con.execute(
            f"""create or replace temp table _parsed as
                select {_lit(str(path))} as __cx_file, __cx_line, {system_col}{', '.join(select_cols)},
                       {attrs} as raw_attributes,
                       case when {key_checks} then 'missing key {', '.join(kind.key_columns)}' end as __cx_reason,
                       {doc}::varchar as __cx_doc
                from _csv"""
        )
        _finish(
            con,
            kind,
            ["source_system", "date_order"] * kind.has_source_system
            + [c.lower() for c in kind.csv_columns]
            + ["raw_attributes"],
            payload_expr=None,
            hash_prefix=(source_system or "") + (f":date_order={date_order}" if date_order else ""),
        )
        if kind.has_source_system:
            order = date_order or (known_orders or {}).get(source_system or "")
            rows = con.execute(
                "select date_of_birth, count(*) from _parsed where __cx_reason is null group by 1 order by 1"
            ).fetchall()
            advice = report_date_column("date_of_birth", ((text, order, n) for text, n in rows)).advice()
            if advice:
                res.notes.append(advice)

    _in_transaction(con, work)
    _apply_stats(con, {str(path): res})
    unparsed = con.execute("select count(*) from _csv_bad").fetchone()[0] + len(python_rejects)
    res.rows_read += unparsed
    res.rows_rejected += unparsed
    if res.rows_read == 0:
        res.notes.append("header only: no records")


# ------------------------------------------------------------------------------------------------- common


def _insert_rejects(con: duckdb.DuckDBPyConnection, select_sql: str, params: list | None = None) -> None:
    """Record rejects once: landing the same bad file again does not repeat them."""
    con.execute(
        f"""insert into {RAW_SCHEMA}._rejects
            select n.kind, n.source_file, n.source_line, n.reason, n.raw_text, now()::timestamp
            from ({select_sql}) n
            where not exists (
                select 1 from {RAW_SCHEMA}._rejects r
                where r.kind = n.kind and r.source_file = n.source_file
                  and r.source_line is not distinct from n.source_line and r.reason = n.reason
            )""",
        params or [],
    )


def _insert_python_rejects(con: duckdb.DuckDBPyConnection, kind: Kind, path: Path, rejects: Rejects) -> None:
    if not rejects:
        return
    lines, reasons, texts = (list(col) for col in zip(*rejects, strict=True))
    _insert_rejects(
        con,
        f"""select {_lit(kind.name)} as kind, {_lit(str(path))} as source_file,
                   unnest(?::bigint[]) as source_line, unnest(?::varchar[]) as reason,
                   unnest(?::varchar[]) as raw_text""",
        [lines, reasons, texts],
    )


def _finish(
    con: duckdb.DuckDBPyConnection,
    kind: Kind,
    columns: list[str],
    payload_expr: str | None,
    hash_prefix: str = "",
) -> None:
    """From ``_parsed(__cx_file, __cx_line, __cx_doc, __cx_reason, <columns>)``: rejects → raw._rejects; good
    rows deduplicated by record hash within the batch and against the table, then inserted. Leaves
    ``_file_stats(source_file, rows_read, rows_rejected, rows_landed)`` for the caller."""
    _insert_rejects(
        con,
        f"""select {_lit(kind.name)} as kind, __cx_file as source_file, __cx_line as source_line,
                   __cx_reason as reason, left(__cx_doc, {REJECT_TEXT_CHARS}) as raw_text
            from _parsed where __cx_reason is not null""",
    )
    col_list = ", ".join(_q(c) for c in columns)
    payload_cols = f", {payload_expr} as payload" if payload_expr else ""
    payload_names = ", payload" if payload_expr else ""
    con.execute(
        f"""create or replace temp table _new as
            select {col_list}{payload_cols}, __cx_file as _source_file, __cx_line as _source_line,
                   now()::timestamp as _loaded_at, __cx_hash as _record_hash
            from (
                select *, md5({_lit(hash_prefix)} || __cx_doc) as __cx_hash
                from _parsed
                where __cx_reason is null
            )
            where __cx_hash not in (select _record_hash from {RAW_SCHEMA}.{kind.table})
            qualify row_number() over (partition by __cx_hash order by __cx_file, __cx_line) = 1"""
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
                select __cx_file as source_file, count(*) as rows_read, count(__cx_reason) as rows_rejected
                from _parsed group by __cx_file
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
    """raw._load_log rows (and a file-level reject, line null, for a file that could not land)."""
    for res, _, _ in entries:
        if res.error:
            res.rows_landed = res.rows_duplicate = 0
            _insert_rejects(
                con,
                f"""select {_lit(res.kind)} as kind, {_lit(res.path)} as source_file, null::bigint as source_line,
                           {_lit(res.error)} as reason, null::varchar as raw_text""",
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


def _batches(items: list[_Pending], max_files: int, max_bytes: int) -> Iterator[list[_Pending]]:
    batch: list[_Pending] = []
    size = 0
    for item in items:
        if batch and (len(batch) >= max_files or size + item.scan.size > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item.scan.size
    if batch:
        yield batch


def _short_error(exc: BaseException) -> str:
    if isinstance(exc, FileRejected):
        return str(exc)[:1000]
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


LANDING_ERRORS = (duckdb.Error, OSError, ValueError, UnicodeError, csv.Error)


def check_column_map(kind: Kind, column_map: Mapping[str, str] | None) -> dict[str, str]:
    """The mapping with lower-case names; ValueError naming an entry whose target is not a canonical column
    of ``kind`` (and listing the valid ones)."""
    mapping = {k.strip().lower(): v.strip().lower() for k, v in (column_map or {}).items()}
    if not mapping:
        return {}
    if kind.is_json:
        raise ValueError(f"--map applies to CSV sources; {kind.name} is JSON")
    canonical = [c.lower() for c in kind.csv_columns]
    for theirs, ours in mapping.items():
        if ours not in canonical:
            hint = " (the source system comes from --source-system or the file name)" if ours == "source_system" else ""
            if not hint and theirs in canonical:
                hint = f" (their column comes first: did you mean --map {ours}={theirs}?)"
            raise ValueError(
                f"--map {theirs}={ours}: {ours} is not a column of {kind.name}{hint}; the columns are "
                f"{', '.join(canonical)}"
            )
    return mapping


def check_encoding(encoding: str | None) -> str | None:
    """The codec's name; ValueError for an unknown one or one that is not ASCII-compatible (lines are split
    at the byte \\n)."""
    if not encoding:
        return None
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ValueError(f"--encoding {encoding}: unknown encoding (e.g. cp1252, latin-1, iso-8859-15)") from None
    if "\n,\"".encode(name) != b'\n,"' or b"\n".decode(name) != "\n":
        raise ValueError(f"--encoding {encoding}: only encodings that keep ASCII as is are supported (not UTF-16/32)")
    return None if name == "utf-8" else name


@dataclass
class _Pending:
    path: Path
    res: FileResult
    scan: FileScan
    fingerprint: str
    system: str | None


def land_files(
    con: duckdb.DuckDBPyConnection,
    kind: str | Kind,
    paths: Iterable[Path],
    *,
    source_system: str | None = None,
    column_map: Mapping[str, str] | None = None,
    encoding: str | None = None,
    date_order: str | None = None,
    force: bool = False,
    on_file: Callable[[FileResult], None] | None = None,
    batch_files: int = 256,
    batch_bytes: int = 1024 * 1024 * 1024,
) -> list[FileResult]:
    """Land files of one kind. Never raises for bad input: a file's error is in its result, in raw._rejects
    and in raw._load_log, and the other files still land. Raises ValueError for a bad call (a ``column_map``
    target that is not a column of the kind, an unknown ``encoding``) before anything lands.

    JSON files are read by DuckDB in batches (up to ``batch_files`` files / ``batch_bytes``) in one
    transaction each; a batch that fails is retried file by file, and a file DuckDB cannot read goes the
    robust way (module docstring). A file whose content hash already landed is skipped unless ``force``.
    ``encoding`` decodes files that are not UTF-8 (they land as UTF-8). ``date_order`` (DMY / MDY / YMD) is
    the day/month order of customer records' dates, landed with each row for staging. ``on_file(result)`` is
    called once per file (progress bars)."""
    k = KINDS[kind] if isinstance(kind, str) else kind
    mapping = check_column_map(k, column_map)
    encoding = check_encoding(encoding)
    date_order = check_date_order(date_order) if k.has_source_system else None
    known_orders = known_date_orders(con) if k.has_source_system else {}
    ensure_raw_schema(con)
    results: list[FileResult] = []
    checked: list[_Pending] = []
    for raw_path in paths:
        path = Path(raw_path)
        res = FileResult(kind=k.name, path=str(path))
        results.append(res)
        started = time.time()
        try:
            if not path.is_file():
                raise FileNotFoundError(f"no such file: {path}")
            system = source_system or (_source_system_from_name(path) if k.has_source_system else None)
            scan = scan_file(path, count_lines=not k.is_json or path.suffix.lower() in (".ndjson", ".jsonl"))
            fingerprint = _landing_fingerprint(scan, system, mapping, encoding, date_order)
        except (OSError, ValueError) as exc:
            res.error = _short_error(exc)
            _log_results(con, [(res, "", started)])
            if on_file:
                on_file(res)
            continue
        checked.append(_Pending(path, res, scan, fingerprint, system))
    already = set() if force else _landed_fingerprints(con, k, [p.fingerprint for p in checked])
    pending: list[_Pending] = []
    for item in checked:
        if item.fingerprint in already:
            item.res.skipped = True
            if on_file:
                on_file(item.res)
        else:
            pending.append(item)

    with tempfile.TemporaryDirectory(prefix="cx-load-") as tmp:
        workdir = Path(tmp)
        if k.is_json:
            by_shape: dict[str, list[_Pending]] = {}
            for item in pending:
                by_shape.setdefault(_json_shape(item.path, item.scan), []).append(item)
            for shape, items in by_shape.items():
                for batch in _batches(items, batch_files, batch_bytes):
                    _land_json_batch(con, k, shape, batch, encoding, workdir, on_file)
            return results

        for item in pending:
            started = time.time()
            res = item.res
            try:
                _land_csv(
                    con, k, item.path, item.scan, item.system, mapping, encoding, workdir, res, date_order, known_orders
                )
            except Exception as exc:  # bad input never stops the other files
                res.error = _short_error(exc)
                res.rows_read = res.rows_rejected = 0
            res.seconds = time.time() - started
            _log_results(con, [(res, item.fingerprint, started)])
            if on_file:
                on_file(res)
    return results


def landing_exit_status(results: list[FileResult], strict: bool = False) -> int:
    """0: records landed or were already landed, or every file was empty; 1: there was input but nothing
    could be landed (with ``strict``: also when any record or file was rejected)."""
    if strict and any(r.rows_rejected or not r.ok for r in results):
        return 1
    landed_or_known = sum(r.rows_landed + r.rows_duplicate for r in results) + sum(r.skipped for r in results)
    return 0 if landed_or_known > 0 or all(r.ok and r.rows_read == 0 for r in results) else 1


def known_date_orders(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The seed's date_order per source system, as staging will read it: from the warehouse's loaded seed
    (config.source_systems) when `dbt seed` has run, else from the project's seeds/source_systems.csv."""
    try:
        rows = con.execute(
            "select source_system, date_order from config.source_systems where date_order is not null"
        ).fetchall()
        return {system: order for system, order in rows}
    except duckdb.Error:
        pass
    seed = Path(__file__).resolve().parents[1] / "seeds" / "source_systems.csv"
    if not seed.is_file():
        return {}
    with open(seed, encoding="utf-8", newline="") as fh:
        return {r["source_system"]: r["date_order"] for r in csv.DictReader(fh) if r.get("date_order")}


def _needs_robust_json(shape: str, scan: FileScan, encoding: str | None) -> bool:
    if encoding and not scan.ascii:
        return True
    return shape == "ndjson" and (scan.lone_cr or scan.mixed_newlines or scan.record_separator)


def _land_json_batch(
    con: duckdb.DuckDBPyConnection,
    kind: Kind,
    shape: str,
    items: list[_Pending],
    encoding: str | None,
    workdir: Path,
    on_file: Callable[[FileResult], None] | None,
) -> None:
    """Land one batch in one transaction; if anything fails, the batch's files are landed one by one, and a
    single file that still fails is a file-level reject."""
    started = time.time()
    for item in items:  # a retry starts clean
        item.res.error, item.res.notes[:] = None, []
    try:
        python_rejects = _stage_json_batch(con, shape, items, encoding, workdir)
        by_path = {str(i.path): i for i in items}

        def work() -> None:
            for source_file, rejects in python_rejects.items():
                _insert_python_rejects(con, kind, Path(source_file), rejects)
            _parse_json(con, kind)
            _finish(con, kind, [name for name, _ in kind.json_columns], payload_expr="__cx_doc")

        _in_transaction(con, work)
        _apply_stats(con, {str(i.path): i.res for i in items})
        for source_file, rejects in python_rejects.items():
            by_path[source_file].res.rows_read += len(rejects)
            by_path[source_file].res.rows_rejected += len(rejects)
    except Exception as exc:
        if len(items) > 1:  # find the file that fails: land this batch's files one by one
            log.debug("batch of %d %s files failed, landing them one by one: %s", len(items), shape, exc)
            for item in items:
                _land_json_batch(con, kind, shape, [item], encoding, workdir, on_file)
            return
        items[0].res.error = _short_error(exc)
    elapsed = time.time() - started
    for item in items:
        res = item.res
        res.seconds = elapsed / len(items)
        if res.ok and res.rows_read == 0 and shape != "ndjson":
            res.notes.append("an empty array: no records" if shape == "array" else "a page with no conversations")
    _log_results(con, [(i.res, i.fingerprint, started) for i in items])
    if on_file:
        for item in items:
            on_file(item.res)


def _stage_json_batch(
    con: duckdb.DuckDBPyConnection, shape: str, items: list[_Pending], encoding: str | None, workdir: Path
) -> dict[str, Rejects]:
    """``_stage`` for the batch's files: DuckDB reads the clean ones; a file the scan flagged, DuckDB could
    not read (alone), or whose lines DuckDB did not all scan is cleaned in Python. Files that cannot land get
    ``res.error``. Returns the rejects found in Python, by file. Raises when a batch of several files fails."""
    robust: list[_Pending] = []
    fast: list[_Pending] = []
    for item in items:
        if item.scan.blank:
            if shape == "ndjson":
                item.res.notes.append("empty file: no records")
            else:
                item.res.error = PAGE_SHAPE + "an empty file"
        elif _needs_robust_json(shape, item.scan, encoding):
            robust.append(item)
        else:
            fast.append(item)
    by_path = {str(i.path): i for i in items}
    con.execute(_STAGE_DDL)
    if fast:
        try:
            {"ndjson": _stage_ndjson, "array": _stage_json_array, "pages": _stage_json_pages}[shape](
                con, [i.path for i in fast]
            )
        except Exception as exc:
            if len(items) > 1:
                raise
            log.debug("fast read of %s failed, reading it in Python: %s", items[0].path, exc)
            con.execute(_STAGE_DDL)
            robust, fast = robust + fast, []
    if shape == "ndjson" and fast:  # every line scanned? (else that file is read again, line by line)
        for source_file, scanned in con.execute(
            "select source_file, max(file_lines) from _stage where file_lines is not null group by 1"
        ).fetchall():
            item = by_path[source_file]
            if scanned != item.scan.lines:
                con.execute("delete from _stage where source_file = ?", [source_file])
                robust.append(item)
    if shape == "pages" and fast:
        staged = {f for (f,) in con.execute("select distinct source_file from _stage").fetchall()}
        several = sorted(f for (f,) in con.execute(
            "select distinct source_file from _stage group by source_file, source_line having count(*) > 1"
        ).fetchall())
        for source_file in several:  # two documents in one page file: their positions would collide
            by_path[source_file].res.error = (
                PAGE_SHAPE + "several JSON documents (one conversation per line is NDJSON: name the file .ndjson)"
            )
        if several:
            con.execute("delete from _stage where source_file in (select unnest(?::varchar[]))", [several])
        unstaged = [i.path for i in fast if str(i.path) not in staged]
        if unstaged:
            for source_file, found in _page_shapes(con, unstaged).items():
                if found:
                    by_path[source_file].res.error = PAGE_SHAPE + found
    python_rejects: dict[str, Rejects] = {}
    for n, item in enumerate(robust):
        cleaned = workdir / f"cleaned_{n}.ndjson"
        try:
            if shape == "ndjson":
                rejects = _clean_ndjson(item.path, item.scan, encoding, cleaned)
            else:
                rejects = _clean_json_document(item.path, shape, encoding, cleaned)
            _stage_cleaned(con, item.path, cleaned)
            python_rejects[str(item.path)] = rejects
        except Exception as exc:
            item.res.error = _short_error(exc)
            con.execute("delete from _stage where source_file = ?", [str(item.path)])
        finally:
            cleaned.unlink(missing_ok=True)
    return python_rejects


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
    ignored_dirs = {"truth", "days"}  # generator-owned: ground truth, held-out days (cx generate --hold-out-days)
    unclaimed = sorted(
        p
        for p in directory.rglob("*")
        if p.is_file()
        and p not in claimed
        and p.name != "manifest.json"
        and not (set(p.relative_to(directory).parts[:-1]) & ignored_dirs)
    )
    return found, unclaimed


def land_directory(
    con: duckdb.DuckDBPyConnection,
    directory: Path,
    *,
    kinds: Iterable[str] | None = None,
    force: bool = False,
    on_file: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Land every file under ``directory`` that a kind claims (docs/sources.md layout), kind by kind, with
    the defaults of :func:`land_files` (``force`` and ``on_file`` as there); ``kinds`` limits it to those
    kinds. Files no kind claims are left alone."""
    found, _ = discover(directory)
    wanted = None if kinds is None else set(kinds)
    results: list[FileResult] = []
    for kind, paths in found.items():
        if wanted is None or kind in wanted:
            results += land_files(con, kind, paths, force=force, on_file=on_file)
    return results
