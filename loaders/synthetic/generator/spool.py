"""Bounded-memory ordering: lines are spooled to one temporary file per UTC day, then each day is sorted
in memory and streamed out in order."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO


class DaySpool:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.handles: dict[int, IO[str]] = {}

    def add(self, day: int, key: str, line: str) -> None:
        """``key`` sorts the lines of a day (must not contain a tab); ``line`` must not contain a newline."""
        fh = self.handles.get(day)
        if fh is None:
            fh = open(self.folder / f"{day}.tmp", "w", encoding="utf-8")
            self.handles[day] = fh
        fh.write(f"{key}\t{line}\n")

    def days(self) -> Iterator[tuple[int, list[str]]]:
        """(day, sorted lines without key) for every day, in day order; removes the spool afterwards."""
        for fh in self.handles.values():
            fh.close()
        for day in sorted(self.handles):
            path = self.folder / f"{day}.tmp"
            with open(path, encoding="utf-8") as fh:
                rows = fh.read().splitlines()
            path.unlink()
            rows.sort()
            yield day, [r.split("\t", 1)[1] for r in rows]
        shutil.rmtree(self.folder, ignore_errors=True)
