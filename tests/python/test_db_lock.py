"""Two writers on one DuckDB file: the second gets a clear message naming the holder, or waits with --wait.

A holder is a real second process (DuckDB locks the file per process), started with a script that opens the
file for writing, says "locked", and keeps it for a while.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from conftest import BIN, ROOT

from loaders.db import LOCKED_EXIT_CODE, WarehouseLockedError, connect

HOLDER = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("create table if not exists t (x integer)")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    con.close()
""")


@contextmanager
def held(db: Path, seconds: float = 30.0) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def test_a_second_writer_gets_a_message_naming_the_holder_and_what_to_do(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with held(db) as holder:
        for read_only in (False, True):
            with pytest.raises(WarehouseLockedError) as info:
                connect(db, read_only=read_only)
            err = info.value
            assert err.pid == holder.pid and "python" in err.program
            message = str(err)
            assert f"(PID {holder.pid})" in message and str(db) in message
            assert "--wait SECONDS" in message and "wait for it to finish" in message
            assert "IO Error" not in message and "Could not set lock" not in message


def test_wait_retries_until_the_lock_is_free(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with held(db, seconds=1.0):
        started = time.monotonic()
        con = connect(db, wait=20)
        waited = time.monotonic() - started
        con.execute("insert into t values (1)")
        con.close()
    assert 0.3 < waited < 15


def test_wait_gives_up_at_the_deadline_naming_the_holder(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with held(db) as holder:
        started = time.monotonic()
        with pytest.raises(WarehouseLockedError) as info:
            connect(db, wait=0.8)
        waited = time.monotonic() - started
    assert 0.7 < waited < 5
    assert f"PID {holder.pid}" in str(info.value) and "after waiting" in str(info.value)


def test_wait_default_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "w.duckdb"
    monkeypatch.setenv("CX_DUCKDB_WAIT_S", "20")
    with held(db, seconds=1.0):
        connect(db).close()
    monkeypatch.setenv("CX_DUCKDB_WAIT_S", "soon")
    with pytest.raises(ValueError, match="CX_DUCKDB_WAIT_S"):
        connect(db)


def _cx(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GENESYS_", "CX_"))}
    return subprocess.run([str(BIN / "cx"), *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**base, **(env or {})})


@pytest.mark.parametrize("command", [
    ["export", "--quiet"],
    ["export", "--dry-run", "--quiet"],
    ["extract", "conversations", "--since", "2024-05-14", "--until", "2024-05-15", "--quiet"],
    ["summary"],
])
def test_clis_print_the_lock_message_without_a_traceback(tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "w.duckdb"
    env = {"GENESYS_CLIENT_ID": "id", "GENESYS_CLIENT_SECRET": "secret-value",
           "GENESYS_API_BASE_URL": "http://127.0.0.1:9"}
    with held(db) as holder:
        proc = _cx(*command, "--db", str(db), "--out", str(tmp_path / "out"), env=env) if command[0] != "summary" \
            else _cx(*command, "--db", str(db), env=env)
        waited = _cx(*command, "--db", str(db), "--wait", "0.5", "--out", str(tmp_path / "out2"), env=env) \
            if command[0] != "summary" else _cx(*command, "--db", str(db), "--wait", "0.5", env=env)
    for p in (proc, waited):
        assert p.returncode == LOCKED_EXIT_CODE, p.stderr[-2000:]
        assert "Traceback" not in p.stderr and f"PID {holder.pid}" in p.stderr
        assert "secret-value" not in p.stderr + p.stdout
    assert "--wait" in proc.stderr and "after waiting" in waited.stderr


@pytest.mark.parametrize("command", [["export"], ["extract", "conversations"], ["summary"]])
def test_clis_document_wait_and_the_exit_code(command: list[str]) -> None:
    proc = _cx(*command, "--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "--wait SECONDS" in text and f"exit code {LOCKED_EXIT_CODE}" in text


def test_holder_program_parsed_from_duckdbs_message(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with held(db) as holder:
        try:
            duckdb.connect(str(db))
        except duckdb.IOException as exc:
            raw = str(exc)
        else:  # pragma: no cover
            pytest.fail("the file was not locked")
    from loaders.db import lock_holder

    program, pid = lock_holder(raw)  # type: ignore[misc]
    assert pid == holder.pid and program.endswith(Path(sys.executable).name) or "python" in program
