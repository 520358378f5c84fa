"""File landing: rejects with line numbers, idempotency, schema drift, column mapping, JSON pages."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import duckdb
import pytest

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

    assert not results["broken.json"].ok and "malformed json" in results["broken.json"].error.lower()
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


# ------------------------------------------------------------------------ issue 13: bad input never stops the rest

CUSTOMER_HEADER = "source_record_id,first_name,last_name,email,phone,city"


def _customer_rows(n: int) -> list[str]:
    return [f"C{i:05d},Ann{i},Lee,ann{i}@example.com,555-010-{i % 10000:04d},Springfield" for i in range(1, n + 1)]


def _lines_by_id(con, table: str = "crm_customer_records", key: str = "source_record_id") -> dict[str, int]:
    return dict(con.execute(f"select {key}, _source_line from raw.{table}").fetchall())


def _rejects(con) -> list[tuple]:
    sql = "select source_file, source_line, reason from raw._rejects order by source_file, source_line"
    return con.execute(sql).fetchall()


def _conversation(reference_page: Path, n: int, **overrides) -> dict:
    conv = copy.deepcopy(json.loads(reference_page.read_text())["conversations"][0])
    conv["conversationId"] = f"00000000-0000-4000-8000-{n:012d}"
    conv.update(overrides)
    return conv


def test_unterminated_quote_rejects_its_line_and_lands_everything_after_it(tmp_path: Path, con) -> None:
    rows = _customer_rows(1595)
    rows[1] = 'C00002,"Ann,Lee,ann2@example.com,555,Springfield'  # line 3: a quote that never closes
    path = tmp_path / "customers_crm.csv"
    path.write_text("\n".join([CUSTOMER_HEADER, *rows]) + "\n")

    [result] = land_files(con, "crm_customer_records", [path])

    assert result.ok, result.error
    assert (result.rows_landed, result.rows_rejected) == (1594, 1)
    [(_, line, reason)] = _rejects(con)
    assert line == 3 and "quote" in reason.lower()
    lines = _lines_by_id(con)
    assert len(lines) == 1594 and "C00002" not in lines
    assert all(lines[f"C{i:05d}"] == i + 1 for i in range(1, 1596) if i != 2)


def test_a_quote_that_closes_many_lines_later_only_costs_its_first_line(tmp_path: Path, con) -> None:
    rows = _customer_rows(40)
    rows[4] = 'C00005,"Ann,Lee,x@example.com,555,Springfield'  # opens a quote (line 6)
    rows[30] = 'C00031,Bo,"Kim,y@example.com,555,Springfield'  # a second stray quote closes it (line 32)
    path = tmp_path / "customers_crm.csv"
    path.write_text("\n".join([CUSTOMER_HEADER, *rows]) + "\n")

    [result] = land_files(con, "crm_customer_records", [path])

    assert result.ok, result.error
    assert result.rows_landed == 38
    assert [line for _, line, _ in _rejects(con)] == [6, 32]
    lines = _lines_by_id(con)
    assert lines["C00004"] == 5 and lines["C00006"] == 7 and lines["C00040"] == 41


def test_multi_line_quoted_fields_keep_every_later_line_number_true(tmp_path: Path, con) -> None:
    rows = _customer_rows(10)
    rows[2] = 'C00003,Ann,Lee,a@example.com,555,"Spring\nfield\nWest"'  # lines 4-6
    rows[6] = "C00007,Bo"  # too few columns: line 10
    path = tmp_path / "customers_crm.csv"
    path.write_text("\n".join([CUSTOMER_HEADER, *rows]) + "\n")

    [result] = land_files(con, "crm_customer_records", [path])

    assert (result.rows_landed, result.rows_rejected) == (9, 1)
    assert [line for _, line, _ in _rejects(con)] == [10]
    lines = _lines_by_id(con)
    assert [lines[f"C{i:05d}"] for i in (1, 2, 3, 4, 6, 10)] == [2, 3, 4, 7, 9, 13]
    city = con.execute("select city from raw.crm_customer_records where source_record_id = 'C00003'").fetchone()[0]
    assert city == "Spring\nfield\nWest"


def test_a_50_mb_field_lands_and_later_line_numbers_stay_true(tmp_path: Path, con) -> None:
    rows = _customer_rows(5)
    rows[2] = "C00003,Ann,Lee,a@example.com,555," + "x" * (50 << 20)
    path = tmp_path / "customers_crm.csv"
    path.write_text("\n".join([CUSTOMER_HEADER, *rows]) + "\n")

    [result] = land_files(con, "crm_customer_records", [path])

    assert (result.rows_landed, result.rows_rejected) == (5, 0), result.error
    assert _lines_by_id(con) == {f"C{i:05d}": i + 1 for i in range(1, 6)}
    size = con.execute("select length(city) from raw.crm_customer_records where source_record_id = 'C00003'").fetchone()
    assert size == (50 << 20,)


def test_a_header_field_over_128_kb_does_not_stop_the_later_files(tmp_path: Path, con) -> None:
    wide = tmp_path / "customers_wide.csv"
    wide.write_text(CUSTOMER_HEADER + "," + "n" * (200 << 10) + "\n" + _customer_rows(1)[0] + ",v\n")
    later = tmp_path / "customers_crm.csv"
    later.write_text("\n".join([CUSTOMER_HEADER, *_customer_rows(3)]) + "\n")

    results = land_files(con, "crm_customer_records", [wide, later])

    assert [r.rows_landed for r in results] == [1, 3], [r.error for r in results]


def test_a_latin1_byte_rejects_only_its_line_in_ndjson(tmp_path: Path, con) -> None:
    events = [
        {"entityId": f"e{i}", "eventType": "interaction.completed", "timestamp": "2024-05-14T14:13:35.640Z",
         "data": {"disposition": "ok"}}
        for i in range(1, 5)
    ]
    lines = [json.dumps(e).encode() for e in events]
    lines[1] = lines[1].replace(b'"ok"', b'"caf\xe9"')  # line 2: Latin-1 é
    path = tmp_path / "events.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n\r\n" + b"\xff\xfe\x00binary\n")  # line 5: only \r; line 6: binary

    [result] = land_files(con, "genesys_interaction_events", [path])

    assert result.ok, result.error
    assert result.rows_landed == 3
    rejects = {line: reason for _, line, reason in _rejects(con)}
    assert set(rejects) == {2, 5, 6}
    assert "UTF-8" in rejects[2] and "line 2" in rejects[2] and "--encoding" in rejects[2]
    assert "\\r" in rejects[5] or "carriage return" in rejects[5]
    assert _lines_by_id(con, "genesys_interaction_events", "entity_id") == {"e1": 1, "e3": 3, "e4": 4}


def test_a_windows_1252_byte_rejects_its_csv_line_or_decodes_with_encoding(tmp_path: Path, con) -> None:
    rows = [r.encode() for r in _customer_rows(20)]
    rows[1] = rows[1].replace(b"Springfield", b"Caf\xe9 Town")  # line 3, within the first 8 KB
    path = tmp_path / "customers_crm.csv"
    path.write_bytes(b"\n".join([CUSTOMER_HEADER.encode(), *rows]) + b"\n")

    [result] = land_files(con, "crm_customer_records", [path])
    assert (result.rows_landed, result.rows_rejected) == (19, 1), result.error
    [(_, line, reason)] = _rejects(con)
    assert line == 3 and "UTF-8" in reason and "--encoding" in reason

    [again] = land_files(con, "crm_customer_records", [path], encoding="cp1252")
    assert (again.rows_landed, again.rows_duplicate) == (1, 19)
    city = con.execute("select city from raw.crm_customer_records where source_record_id = 'C00002'").fetchone()[0]
    assert city == "Café Town"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('{"Conversations": [{"conversationId": "x"}], "cursor": "c"}', "an object with keys Conversations, cursor"),
        ('{"conversations": "x"}', 'an object whose "conversations" is a string'),
        ("null", "null"),
        ("", "an empty file"),
        ("  \n", "an empty file"),
        ('"text"', "a string"),
        ("{}", "an object with no keys"),
        ('{"conversations": [{"conversationId": "a"}]}\n{"conversations": [{"conversationId": "b"}]}',
         "several JSON documents (one conversation per line is NDJSON: name the file .ndjson)"),
    ],
)
def test_a_json_page_of_the_wrong_shape_is_a_file_level_reject(tmp_path: Path, con, text: str, found: str) -> None:
    path = tmp_path / "page.json"
    path.write_text(text)
    [result] = land_files(con, "genesys_conversations", [path])
    assert not result.ok
    [(_, line, reason)] = _rejects(con)
    assert line is None
    assert reason == f'expected an object with a "conversations" array; found {found}', reason


def test_empty_pages_are_noted_not_rejected(tmp_path: Path, con) -> None:
    paths = []
    for n, text in enumerate(['{"totalHits": 0}', '{"conversations": [], "cursor": "c"}']):
        paths.append(tmp_path / f"p{n}.json")
        paths[-1].write_text(text)
    results = land_files(con, "genesys_conversations", paths)
    assert [(r.ok, r.notes) for r in results] == [(True, ["a page with no conversations"])] * 2
    assert _rejects(con) == []


def test_bare_array_files_land_their_objects_and_reject_the_rest(tmp_path: Path, con, reference_page: Path) -> None:
    good = tmp_path / "array.json"
    items = [_conversation(reference_page, 1), 7, {"conversations": []}, _conversation(reference_page, 2)]
    good.write_text(json.dumps(items))
    empty = tmp_path / "empty_array.json"
    empty.write_text("[]")
    results = land_files(con, "genesys_conversations", [good, empty])
    assert [r.rows_landed for r in results] == [2, 0]
    reasons = {line: reason for _, line, reason in _rejects(con)}
    assert reasons[2] == "not a JSON object"
    assert reasons[3].startswith("missing key conversationId")
    assert results[1].ok and results[1].notes  # an empty array is said, not silent


def test_a_file_changed_in_the_middle_with_the_same_size_is_landed_again(tmp_path: Path, con) -> None:
    rows = _customer_rows(60_000)  # ~3.6 MB: the middle is outside the first and last MiB
    path = tmp_path / "customers_crm.csv"
    path.write_text("\n".join([CUSTOMER_HEADER, *rows]) + "\n")
    land_files(con, "crm_customer_records", [path])
    middle = rows[30_000]
    rows[30_000] = middle.replace("Springfield", "Springfielt")  # same size, new content
    path.write_text("\n".join([CUSTOMER_HEADER, *rows]) + "\n")

    [again] = land_files(con, "crm_customer_records", [path])

    assert not again.skipped
    assert (again.rows_landed, again.rows_duplicate) == (1, 59_999)


def test_source_columns_named_like_loader_internals_land_intact(tmp_path: Path, con) -> None:
    names = ["source_line", "record_no", "source_file", "doc_text", "reject_reason", "_source_line", "_source_file",
             "_record_hash", "raw_attributes", "__cx_line", "payload", "kind"]
    path = tmp_path / "customers_crm.csv"
    path.write_text(
        ",".join(["source_record_id", *names]) + "\n"
        + ",".join(["C1", *[f"v{i}" for i in range(len(names))]]) + "\n"
        + ",".join(["C2", *[f"w{i}" for i in range(len(names))]]) + "\n"
    )
    [result] = land_files(con, "crm_customer_records", [path])
    assert result.rows_landed == 2, result.error
    rows = con.execute(
        "select source_record_id, _source_line, _source_file, raw_attributes from raw.crm_customer_records "
        "order by 1"
    ).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [("C1", 2, str(path)), ("C2", 3, str(path))]
    assert json.loads(rows[0][3]) == {n: f"v{i}" for i, n in enumerate(names)}


def test_an_unknown_map_target_is_refused_naming_it_and_the_valid_ones(tmp_path: Path, con) -> None:
    path = tmp_path / "people.csv"
    path.write_text("person_no,given\n7,Ann\n")
    with pytest.raises(ValueError, match=r"frist_name.*first_name") as err:
        land_files(con, "crm_customer_records", [path], source_system="hr",
                   column_map={"person_no": "source_record_id", "given": "frist_name"})
    assert "source_record_id" in str(err.value) and "postcode" in str(err.value)
    # refused before anything was created or landed
    assert con.execute("select count(*) from information_schema.tables where table_schema = 'raw'").fetchone() == (0,)


def test_mapping_the_key_column_away_says_so(tmp_path: Path, con) -> None:
    path = tmp_path / "customers_crm.csv"
    path.write_text("source_record_id,given\n7,Ann\n")
    [result] = land_files(con, "crm_customer_records", [path], column_map={"source_record_id": "first_name"})
    assert not result.ok
    assert "--map source_record_id=first_name" in result.error
    assert "the file has no source_record_id column" not in result.error


def test_two_header_columns_for_one_canonical_column_are_named(tmp_path: Path, con) -> None:
    path = tmp_path / "customers_crm.csv"
    path.write_text("source_record_id,email,EMAIL\nC1,a@example.com,b@example.com\n")
    [result] = land_files(con, "crm_customer_records", [path])
    assert not result.ok
    assert '"email"' in result.error and '"EMAIL"' in result.error
    assert "Binder" not in result.error


def test_empty_and_header_only_files_are_noted(tmp_path: Path, con) -> None:
    empty = tmp_path / "customers_a.csv"
    empty.write_text("")
    header_only = tmp_path / "customers_b.csv"
    header_only.write_text(CUSTOMER_HEADER + "\n")
    events = tmp_path / "events.ndjson"
    events.write_text("")
    a, b = land_files(con, "crm_customer_records", [empty, header_only])
    [c] = land_files(con, "genesys_interaction_events", [events])
    assert "empty" in " ".join(a.notes) and "header" in " ".join(b.notes) and "empty" in " ".join(c.notes)


def test_unparseable_required_timestamps_are_rejected_at_landing(tmp_path: Path, con, reference_page: Path) -> None:
    convs = [
        _conversation(reference_page, 1),
        _conversation(reference_page, 2, conversationStart="not-a-date"),
        _conversation(reference_page, 3, conversationEnd="2024-13-45T99:00:00Z"),
        _conversation(reference_page, 4),
        {k: v for k, v in _conversation(reference_page, 5).items() if k != "conversationStart"},
        {k: v for k, v in _conversation(reference_page, 6).items() if k != "conversationEnd"},  # live: fine
    ]
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"conversations": convs}))
    events = tmp_path / "events.ndjson"
    events.write_text(
        json.dumps({"entityId": "e1", "eventType": "interaction.completed", "timestamp": "2024-05-14T14:13:35Z"})
        + "\n"
        + json.dumps({"entityId": "e2", "eventType": "interaction.completed", "timestamp": "yesterday " * 20})
        + "\n"
    )
    [conv_result] = land_files(con, "genesys_conversations", [page])
    [event_result] = land_files(con, "genesys_interaction_events", [events])

    assert (conv_result.rows_landed, conv_result.rows_rejected) == (3, 3)
    assert (event_result.rows_landed, event_result.rows_rejected) == (1, 1)
    reasons = {(Path(f).name, line): reason for f, line, reason in _rejects(con)}
    assert reasons[("page.json", 2)] == 'conversationStart is not an ISO-8601 timestamp: "not-a-date"'
    assert reasons[("page.json", 3)].startswith("conversationEnd is not an ISO-8601 timestamp")
    assert reasons[("page.json", 5)] == "missing conversationStart"
    assert reasons[("events.ndjson", 2)].startswith('timestamp is not an ISO-8601 timestamp: "yesterday')
    assert len(reasons[("events.ndjson", 2)]) < 120  # the value is truncated


def test_landing_accepts_exactly_the_timestamps_staging_can_read(con) -> None:
    """Staging converts with iso_to_utc (macros/cross_db/dates.sql: try_cast(... as timestamptz)); landing
    rejects exactly the values that come out null there."""
    root = Path(__file__).resolve().parents[2]
    assert "try_cast({{ expr }} as timestamptz)" in (root / "macros" / "cross_db" / "dates.sql").read_text()
    from loaders.landing import timestamp_check_sql

    values = ["2024-05-14T14:02:11.120Z", "2024-05-14T14:02:11+02:00", "2024-05-14 14:02:11", "2024-05-14",
              "not-a-date", "", "2024-13-01T00:00:00Z", "1715695331", "14:02"]
    for value in values:
        staging_null = con.execute("select timezone('UTC', try_cast(? as timestamptz)) is null", [value]).fetchone()[0]
        landing_bad = con.execute(f"select {timestamp_check_sql('?')}", [value]).fetchone()[0]
        assert landing_bad == staging_null, value


def test_crlf_files_keep_true_line_numbers_around_a_bad_row(tmp_path: Path, con) -> None:
    rows = _customer_rows(30)
    rows[9] = "C00010,Ann"  # line 11: too few columns
    path = tmp_path / "customers_crm.csv"
    path.write_bytes(("\r\n".join([CUSTOMER_HEADER, *rows]) + "\r\n\r\n").encode())  # and a trailing blank line
    [result] = land_files(con, "crm_customer_records", [path])
    assert (result.rows_landed, result.rows_rejected) == (29, 1)
    assert [line for _, line, _ in _rejects(con)] == [11]
    assert _lines_by_id(con) == {f"C{i:05d}": i + 1 for i in range(1, 31) if i != 10}
