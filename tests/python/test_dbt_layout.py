"""House rules of the dbt project that a reviewer would otherwise have to remember (issue 15)."""

from __future__ import annotations

import re

from conftest import ROOT

MODELS = sorted((ROOT / "models").glob("**/*.sql"))


def test_engine_specific_sql_lives_only_in_cross_db_dispatch_macros() -> None:
    outside = [
        str(p.relative_to(ROOT))
        for p in [*(ROOT / "macros").glob("**/*.sql"), *MODELS]
        if "adapter.dispatch" in p.read_text() and "cross_db" not in p.parts
    ]
    assert outside == []


def test_every_model_ends_with_select_star_from_final() -> None:
    endings = {p.name: p.read_text().rstrip().rsplit("\n", 1)[-1] for p in MODELS}
    assert {name for name, last in endings.items() if last != "select * from final"} == set()
    assert all(re.search(r"^final as \($", p.read_text(), flags=re.M) for p in MODELS)


def test_a_model_over_200_lines_says_why() -> None:
    texts = {p.name: p.read_text() for p in MODELS}
    unexplained = [n for n, t in texts.items() if len(t.splitlines()) > 200 and "Longer than 200 lines:" not in t]
    assert unexplained == []
