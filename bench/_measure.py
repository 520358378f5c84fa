"""Wall time and peak memory of one child process, and the busiest rate window, shared by the bench scripts."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measured(cmd: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float, int, str]:
    """Run ``cmd``; return wall seconds, peak RSS in MiB of that child alone (os.wait4, not the running
    maximum over every child this process has had), its exit code and the tail of its output."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        tail = out.read()[-3000:].decode(errors="replace")
    return elapsed, usage.ru_maxrss / 1024, proc.returncode, tail


def busiest_window(times: list[float], window: float) -> int:
    """The most requests at ``times`` (seconds) inside any one ``window`` seconds long."""
    best, span = 0, deque[float]()
    for t in sorted(times):
        span.append(t)
        while span[0] <= t - window:
            span.popleft()
        best = max(best, len(span))
    return best
