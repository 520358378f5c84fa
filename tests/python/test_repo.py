"""The repository stands alone: nothing in it points at files outside it (issue 15: a clone is all a user has)."""

from __future__ import annotations

import subprocess

from conftest import ROOT


def test_nothing_in_the_repository_points_at_the_shared_folder_beside_it() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    needle = "../" + "shared"  # spelt in two pieces so this file does not match itself
    hits = []
    for name in tracked:
        path = ROOT / name
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if needle in text:
            hits.append(name)
    assert not hits, f"these files point at {needle}, which a clone does not have: {hits}"
