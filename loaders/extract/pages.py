"""Writing fetched pages to disk exactly as received."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

DEFAULT_OUT = Path("data/extract/genesys/conversations")


class PageWriter:
    """``<out>/<YYYY-MM-DD>/<name>_pNNNN.json``, written atomically (temp file + rename)."""

    def __init__(self, out_dir: Path | str = DEFAULT_OUT) -> None:
        self.out_dir = Path(out_dir)
        self.written: list[Path] = []
        self.bytes_written = 0

    def write(self, day: date, name: str, page_number: int, content: bytes) -> Path:
        folder = self.out_dir / day.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}_p{page_number:04d}.json"
        tmp = path.with_suffix(".json.part")
        tmp.write_bytes(content)
        os.replace(tmp, path)
        self.written.append(path)
        self.bytes_written += len(content)
        return path
