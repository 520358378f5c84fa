"""The whole pipeline on generated data: dbt build passes, landing is idempotent, and the behavioural CES
equals seed 004's formula applied to the generator's true transfers and queue wait."""

from __future__ import annotations

import csv
import json
import math

import duckdb
from conftest import Warehouse, query

from loaders.landing import land_directory


def test_dbt_build_of_the_sample_passes(sample_warehouse: Warehouse) -> None:
    build = sample_warehouse.build
    assert build.returncode == 0, build.stdout[-4000:]
    assert build.results, "dbt build ran nothing"
    assert not build.failures(), [r["unique_id"] for r in build.failures()]
    kinds = {r["unique_id"].split(".")[0] for r in build.results}
    assert {"model", "test", "seed", "unit_test"} <= kinds


def test_landing_the_same_files_again_changes_no_raw_count(sample_warehouse: Warehouse, tmp_path) -> None:
    db = tmp_path / "twice.duckdb"
    con = duckdb.connect(str(db))
    tables = [
        "genesys_conversations", "genesys_interaction_events", "crm_customer_records", "crm_conversions",
        "crm_events", "marketing_campaigns", "marketing_touches",
    ]

    def counts() -> dict[str, int]:
        return {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in tables}

    land_directory(con, sample_warehouse.data_dir)
    first = counts()
    land_directory(con, sample_warehouse.data_dir, force=True)  # re-read every file, not just skip by fingerprint
    assert counts() == first
    assert all(v > 0 for v in first.values()), first
    con.close()


def _true_ces(transfers: int, wait: float) -> int:
    # seed 004, written independently of the SQL: 7 − 2·transfers − ⌊(wait − 30) / 60⌋ when wait > 30, ≥ 1
    penalty = math.floor((wait - 30) / 60) if wait > 30 else 0
    return max(1, 7 - 2 * transfers - penalty)


def test_ces_matches_the_formula_on_true_transfers_and_wait(sample_warehouse: Warehouse) -> None:
    truth = {}
    with (sample_warehouse.data_dir / "truth" / "conversations.csv").open() as fh:
        for row in csv.DictReader(fh):
            if row["is_complete"] == "1":
                truth[row["conversation_id"]] = _true_ces(
                    int(row["true_transfers"]), float(row["true_queue_wait_seconds"])
                )
    scores = dict(query(sample_warehouse.db, "select conversation_id, ces_score from marts.fct_conversation_effort"))
    assert len(truth) > 1000
    assert set(scores) == set(truth)  # every completed conversation scored, live ones not
    mismatches = {cid: (scores[cid], want) for cid, want in truth.items() if scores[cid] != want}
    assert mismatches == {}
    # the sample must exercise the formula's interesting cases, or this test proves little
    assert {1, 3, 5, 7} <= set(truth.values())


def test_a_cut_off_line_is_rejected_and_every_delivery_around_it_lands(sample_warehouse: Warehouse) -> None:
    manifest = json.loads((sample_warehouse.data_dir / "manifest.json").read_text())
    deliveries = manifest["counts"]["crm_events"]
    rejects = query(sample_warehouse.db, "select kind, source_file, source_line, reason from raw._rejects")
    # the generator cuts the archive's last line in half (an export taken mid-write): that line, and only it
    assert [(kind, line, reason) for kind, _, line, reason in rejects] == [
        ("crm_events", deliveries + 1, "malformed JSON")
    ]
    assert rejects[0][1].endswith("crm/events.ndjson")
    [(landed,)] = query(sample_warehouse.db, "select count(*) from raw.crm_events")
    assert landed == deliveries
