"""File landing: rejects with line numbers, idempotency, schema drift, column mapping, JSON pages."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import duckdb
import pytest

from loaders.kinds import KINDS
from loaders.landing import discover, land_files


@pytest.fixture()
def con():
    c = duckdb.connect()
    yield c
    c.close()


def _touch_rows(n: int) -> list[str]:
    return [
        f"T{i:05d},CMP-{i % 7},email_open,L{i:05d},p{i}@example.com,555-010-{i % 10000:04d},2026-09-14 09:03:11,+02:00"
        for i in range(1, n + 1)
    ]


def test_three_malformed_lines_among_1000_land_997_and_name_the_lines(tmp_path: Path, con) -> None:
    header = "touch_id,campaign_id,channel,lead_id,email,phone,touched_at_local,utc_offset"
    rows = _touch_rows(1000)
    # file line = index + 2 (line 1 is the header)
    rows[99] = "T00100,CMP-1,email_open"  # too few columns → line 101
    rows[499] = rows[499] + ",extra,columns"  # too many columns → line 501
    rows[899] = ",CMP-3,email_open,L00900,x@example.com,555,2026-09-14 09:03:11,+02:00"  # no key → line 901
    path = tmp_path / "touches.csv"
    path.write_text("\n".join([header, *rows]) + "\n")

    [result] = land_files(con, "marketing_touches", [path])

    assert result.ok
    assert result.rows_landed == 997
    assert result.rows_rejected == 3
    rejects = con.execute("select source_line, reason from raw._rejects order by source_line").fetchall()
    assert [line for line, _ in rejects] == [101, 501, 901]
    assert "missing key touch_id" in rejects[2][1]
    assert con.execute("select count(*) from raw.marketing_touches").fetchone()[0] == 997
    # good rows keep their real file line numbers around the bad ones
    lines = dict(con.execute("select touch_id, _source_line from raw.marketing_touches").fetchall())
    assert lines["T00001"] == 2
    assert lines["T00102"] == 103
    assert lines["T01000"] == 1001


def test_same_file_twice_and_same_record_in_two_files_land_once(tmp_path: Path, con) -> None:
    header = "touch_id,campaign_id,channel,lead_id,email,phone,touched_at_local,utc_offset"
    rows = _touch_rows(50)
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_text("\n".join([header, *rows]) + "\n")
    b.write_text("\n".join([header, *rows[40:], *_touch_rows(60)[50:]]) + "\n")  # 10 shared + 10 new

    land_files(con, "marketing_touches", [a])
    [again] = land_files(con, "marketing_touches", [a])
    assert again.skipped  # identical file: nothing read
    [forced] = land_files(con, "marketing_touches", [a], force=True)
    assert (forced.rows_landed, forced.rows_duplicate) == (0, 50)
    [second] = land_files(con, "marketing_touches", [b])
    assert (second.rows_landed, second.rows_duplicate) == (10, 10)
    assert con.execute("select count(*) from raw.marketing_touches").fetchone()[0] == 60


def test_schema_drift_kept_in_raw_attributes_and_column_mapping(tmp_path: Path, con) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "person_no,given,surname,zip,shoe_size\n"
        "7,Ann,Lee,10001,38\n"
        "8,Bo,Kim,94105,\n"
    )
    [result] = land_files(
        con,
        "crm_customer_records",
        [path],
        source_system="hr",
        column_map={"person_no": "source_record_id", "given": "first_name", "surname": "last_name", "zip": "postcode"},
    )
    assert result.rows_landed == 2
    rows = con.execute(
        "select source_system, source_record_id, first_name, last_name, postcode, email, raw_attributes "
        "from raw.crm_customer_records order by source_record_id"
    ).fetchall()
    assert rows[0][:6] == ("hr", "7", "Ann", "Lee", "10001", None)
    assert json.loads(rows[0][6]) == {"shoe_size": "38"}


def test_customers_csv_without_a_key_column_fails_with_advice(tmp_path: Path, con) -> None:
    path = tmp_path / "customers_crm.csv"
    path.write_text("given,surname\nAnn,Lee\n")
    [result] = land_files(con, "crm_customer_records", [path])
    assert not result.ok
    assert "--map" in result.error and "source_record_id" in result.error
    assert con.execute("select count(*) from raw._rejects where source_file = ?", [str(path)]).fetchone()[0] == 1


def test_json_pages_ndjson_and_a_broken_page(tmp_path: Path, con, reference_page: Path) -> None:
    page = json.loads(reference_page.read_text())
    conv = page["conversations"][0]
    other = copy.deepcopy(conv)
    other["conversationId"] = "00000000-0000-4000-8000-000000000002"
    d = tmp_path / "genesys" / "conversations"
    d.mkdir(parents=True)
    (d / "p1.json").write_text(json.dumps(page))
    (d / "p2.json").write_text(json.dumps({"conversations": [conv, other], "totalHits": 2}))  # sync query shape
    (d / "broken.json").write_text('{"conversations": [{"conversationId": "x"')
    (d / "lines.ndjson").write_text(json.dumps(other) + "\n{not json\n" + json.dumps({"participants": []}) + "\n")

    found, unclaimed = discover(tmp_path)
    assert unclaimed == []
    results = {Path(r.path).name: r for r in land_files(con, "genesys_conversations", found["genesys_conversations"])}

    assert not results["broken.json"].ok and "Malformed JSON" in results["broken.json"].error
    assert (results["lines.ndjson"].rows_read, results["lines.ndjson"].rows_rejected) == (3, 2)
    assert results["p1.json"].rows_landed == 1
    # `conv` is in p1 and p2; `other` is in p2 (sync-query shape) and lines.ndjson: each lands once
    assert sum(r.rows_landed for r in results.values()) == 2
    assert sum(r.rows_duplicate for r in results.values()) == 2
    reasons = dict(
        con.execute("select source_line, reason from raw._rejects where source_file like '%lines.ndjson'").fetchall()
    )
    assert reasons == {2: "malformed JSON", 3: "missing key conversationId"}
    assert con.execute("select count(distinct conversation_id) from raw.genesys_conversations").fetchone()[0] == 2


def test_every_kind_has_a_raw_table_and_a_dbt_source() -> None:
    root = Path(__file__).resolve().parents[2]
    sources = "\n".join(p.read_text() for p in (root / "models" / "staging").glob("*/_*__sources.yml"))
    for kind in KINDS.values():
        assert f"- name: {kind.table}" in sources, f"{kind.table} has no dbt source"
