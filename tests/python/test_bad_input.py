"""Bad input never crashes `cx load` and never loses the good records around it (issue 13).

One directory in the docs/sources.md layout holds damaged files of every kind — CSV customers, conversions,
NDJSON interaction events / conversations / CRM events, JSON pages and bare arrays — landed in ONE
`cx load DIR` run, as a user would (a subprocess of the `cx` entry point). Every good record lands (counted
exactly against what the test wrote, with its true line), every bad one is in raw._rejects with file, line
and reason, the exit status is the documented one, and `dbt build` over that warehouse passes.
"""

from __future__ import annotations

import copy
import json
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import BIN, REFERENCE_PAGE, query, run_dbt

CX = str(BIN / "cx")


def cx(*args: str, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CX, "load", *args, "--db", str(db), "--quiet"], capture_output=True, text=True,
                          timeout=600)


@dataclass
class Expected:
    """What the test wrote: per file, the good records (key -> line) and the bad lines (line -> reason words)."""

    landed: dict[str, dict[str, int]] = field(default_factory=dict)  # file name -> {key: line}
    rejected: dict[str, dict[int | None, str]] = field(default_factory=dict)  # file name -> {line: word}
    notes: set[str] = field(default_factory=set)

    def good(self, name: str, key: str, line: int) -> None:
        self.landed.setdefault(name, {})[key] = line

    def bad(self, name: str, line: int | None, word: str) -> None:
        self.rejected.setdefault(name, {})[line] = word


def _uuid(n: int) -> str:
    return str(uuid.UUID(int=(0x5F2E8A3B_9C41_4D7E_B0A6_000000000000 + n)))


def _conversation(template: dict, n: int, **overrides) -> dict:
    conv = copy.deepcopy(template)
    conv["conversationId"] = _uuid(n)
    conv["conversationStart"] = f"2026-07-04T10:{n % 60:02d}:11.120Z"
    conv["conversationEnd"] = f"2026-07-04T11:{n % 60:02d}:35.640Z"
    conv.update(overrides)
    return conv


def _customer(i: int, system: str) -> str:
    return (f"{system.upper()}-{i:05d},Ann{i},Lee{i % 97},ann{i}.{system}@example.com,(555) 010-{i % 10000:04d},"
            f"{i} Main St,Springfield,{10000 + i % 9000},US,2026-06-01")


CUSTOMER_HEADER = "source_record_id,first_name,last_name,email,phone,street,city,postcode,country,updated_at"
# a source's own columns named like the loader's internals: they must land intact in raw_attributes
INTERNAL_NAMES = ["source_line", "record_no", "source_file", "doc_text", "reject_reason", "_source_line"]


def write_corpus(root: Path) -> Expected:  # noqa: PLR0915 (one corpus, written top to bottom)
    exp = Expected()
    template = json.loads(REFERENCE_PAGE.read_text())["conversations"][0]

    # ---- customers/customers_crm.csv: 1,595 records; a quote that never closes on line 3, a multi-line quoted
    # field, a Windows-1252 byte, too few columns, no key; internal-looking column names
    customers = root / "customers"
    customers.mkdir(parents=True)
    lines: list[bytes] = [(CUSTOMER_HEADER + "," + ",".join(INTERNAL_NAMES)).encode()]
    extra = "," + ",".join(f"x{j}" for j in range(len(INTERNAL_NAMES)))
    line_no = 1  # physical line of the record being written
    for i in range(1, 1596):
        line_no += lines[-1].count(b"\n") + 1
        key = f"CRM-{i:05d}"
        if i == 2:
            lines.append(f'{key},"Ann,Lee,ann@example.com,555,1 Main St,Springfield,1,US,2026-06-01{extra}'.encode())
            exp.bad("customers_crm.csv", line_no, "quote")
            continue
        if i == 9:  # street spans three lines: the record starts on its first line
            lines.append(f'{key},Bo,Kim,bo@example.com,555,"Flat 2\n12 High St\nRear",Springfield,1,US,2026-06-01'
                         f'{extra}'.encode())
            exp.good("customers_crm.csv", key, line_no)
            continue
        if i == 20:
            lines.append(_customer(i, "crm").replace("Springfield", "Caf\xe9 Town").encode("cp1252") + extra.encode())
            exp.bad("customers_crm.csv", line_no, "UTF-8")
            continue
        if i == 30:
            lines.append(f"{key},Cy,Oh".encode())
            exp.bad("customers_crm.csv", line_no, "COLUMNS")
            continue
        if i == 40:
            lines.append(("," + _customer(i, "crm").split(",", 1)[1] + extra).encode())
            exp.bad("customers_crm.csv", line_no, "missing key")
            continue
        lines.append((_customer(i, "crm") + extra).encode())
        exp.good("customers_crm.csv", key, line_no)
    (customers / "customers_crm.csv").write_bytes(b"\n".join(lines) + b"\n")

    # ---- customers_erp.csv: CRLF line ends and a 50 MB field: all land, lines true after it
    rows = [CUSTOMER_HEADER]
    for i in range(1, 6):
        row = _customer(i, "erp")
        if i == 3:
            row = row.replace(f"{i} Main St", "x" * (50 << 20))
        rows.append(row)
        exp.good("customers_erp.csv", f"ERP-{i:05d}", i + 1)
    (customers / "customers_erp.csv").write_bytes("\r\n".join(rows).encode() + b"\r\n")

    # ---- customers_web.csv: a header column over 128 KB (Python's csv limit); the file still lands
    (customers / "customers_web.csv").write_text(
        CUSTOMER_HEADER + ",n" + "n" * (200 << 10) + "\n" + _customer(1, "web") + ",v\n" + _customer(2, "web") + ",w\n"
    )
    exp.good("customers_web.csv", "WEB-00001", 2)
    exp.good("customers_web.csv", "WEB-00002", 3)

    # ---- customers_telephony.csv: header only; customers_legacy.csv: empty (noted, not silent)
    (customers / "customers_telephony.csv").write_text(CUSTOMER_HEADER + "\n")
    (customers / "customers_legacy.csv").write_text("")
    exp.notes |= {"customers_telephony.csv", "customers_legacy.csv"}

    # ---- crm/conversions.csv: a lone carriage return outside quotes (rejected) and inside quotes (data)
    crm = root / "crm"
    crm.mkdir()
    conv_rows = ["ConversionID,LeadID,CampaignID,ConversionDate,ConversionValue,Status"]
    for i in range(1, 11):
        status = "won"
        if i == 5:
            status = "w\ron"
            exp.bad("conversions.csv", i + 1, "carriage return")
        else:
            exp.good("conversions.csv", f"CNV-{i:07d}", i + 1)
        conv_rows.append(f"CNV-{i:07d},00QLEAD{i:05d},SUMMER_SALE_DM_001,2026-07-{i:02d},{100 + i}.50,{status}")
    (crm / "conversions.csv").write_text("\n".join(conv_rows) + "\n", newline="")

    # ---- crm/events.ndjson: a Latin-1 byte on line 2, a cut-off last line
    deliveries = []
    for i in range(1, 7):
        deliveries.append(json.dumps({
            "received_at": f"2026-07-04T03:2{i}:20Z", "headers": {"X-Request-Id": str(uuid.UUID(int=i))},
            "body": {"contact_id": f"00QLEAD{i:05d}", "event_type": "web.session",
                     "event_timestamp": f"2026-07-04T03:2{i}:01Z", "attributes": {"crm_record_id": f"SES-{i}"}},
        }).encode())
        exp.good("events.ndjson@crm", f"00QLEAD{i:05d}", i)
    deliveries[1] = deliveries[1].replace(b"web.session", b"web.s\xe9ssion")
    exp.landed["events.ndjson@crm"].pop("00QLEAD00002")
    exp.bad("events.ndjson@crm", 2, "UTF-8")
    deliveries.append(b'{"received_at": "2026-07-04T03:59:20Z", "body": {"contact_')
    exp.bad("events.ndjson@crm", 7, "malformed JSON")
    (crm / "events.ndjson").write_bytes(b"\n".join(deliveries))

    # ---- genesys/conversations: pages, wrong shapes, a bare array, bytes that are not UTF-8, NDJSON
    convs = root / "genesys" / "conversations"
    convs.mkdir(parents=True)
    page = [_conversation(template, n) for n in range(1, 6)]
    page.append(_conversation(template, 6, conversationStart="not-a-date"))
    page.append(_conversation(template, 7, conversationEnd="2026-13-45T99:00:00Z"))
    (convs / "page_good.json").write_text(json.dumps({"conversations": page, "totalHits": 7}))
    for n in range(1, 6):
        exp.good("page_good.json", _uuid(n), n)
    exp.bad("page_good.json", 6, 'conversationStart is not an ISO-8601 timestamp: "not-a-date"')
    exp.bad("page_good.json", 7, "conversationEnd is not an ISO-8601 timestamp")
    shapes = {
        "page_keys.json": ('{"Conversations": [{"conversationId": "x"}], "cursor": "c"}',
                           "an object with keys Conversations, cursor"),
        "page_string.json": ('{"conversations": "x"}', 'an object whose "conversations" is a string'),
        "page_null.json": ("null", "null"),
        "page_empty.json": ("", "an empty file"),
    }
    for name, (text, found) in shapes.items():
        (convs / name).write_text(text)
        exp.bad(name, None, f'expected an object with a "conversations" array; found {found}')
    (convs / "page_nohits.json").write_text('{"totalHits": 0}')  # the details query's empty answer
    exp.notes.add("page_nohits.json")
    (convs / "array.json").write_text(json.dumps([_conversation(template, 10), 7, _conversation(template, 11)]))
    exp.good("array.json", _uuid(10), 1)
    exp.good("array.json", _uuid(11), 3)
    exp.bad("array.json", 2, "not a JSON object")
    latin = json.dumps({"conversations": [_conversation(template, n, externalTag=f"tag{n}") for n in (20, 21, 22)]})
    (convs / "page_latin1.json").write_bytes(latin.encode().replace(b"tag21", b"t\xe9g21"))
    exp.good("page_latin1.json", _uuid(20), 1)
    exp.good("page_latin1.json", _uuid(22), 3)
    exp.bad("page_latin1.json", 2, "UTF-8")
    nd = [json.dumps(_conversation(template, n)).encode() for n in (30, 31, 32)]
    nd[1] = nd[1].replace(b'"inbound"', b'"inb\xf6und"', 1)
    (convs / "lines.ndjson").write_bytes(nd[0] + b"\n" + nd[1] + b"\n\r\n" + nd[2] + b"\n{broken\n")
    exp.good("lines.ndjson", _uuid(30), 1)
    exp.bad("lines.ndjson", 2, "UTF-8")
    exp.bad("lines.ndjson", 3, "carriage return")
    exp.good("lines.ndjson", _uuid(32), 4)
    exp.bad("lines.ndjson", 5, "malformed JSON")

    # ---- genesys/events: binary bytes, an unparseable timestamp, a line that is only \r
    events_dir = root / "genesys" / "events"
    events_dir.mkdir(parents=True)
    ev = []
    for n in range(1, 8):
        ev.append(json.dumps({"entityId": _uuid(n), "eventType": "interaction.completed",
                              "timestamp": f"2026-07-04T11:{n:02d}:35.640Z",
                              # the reference conversation's own effort: 1 transfer, 73.342 s in queue
                              "data": {"transferCount": 1, "totalQueueWaitTimeSeconds": 73.342,
                                       "disposition": "Resolved",
                                       "transferHistory": [{"type": "initial", "to": _uuid(99)},
                                                           {"from": _uuid(98), "to": _uuid(97),
                                                            "type": "blind"}]}}).encode())
        exp.good("interactions.ndjson", _uuid(n), len(ev))
    ev[2] = b"\x00\xff\xfe\x89PNG binary"
    exp.landed["interactions.ndjson"].pop(_uuid(3))
    exp.bad("interactions.ndjson", 3, "UTF-8")
    ev[4] = ev[4].replace(b'"2026-07-04T11:05:35.640Z"', b'"yesterday"')
    exp.landed["interactions.ndjson"].pop(_uuid(5))
    exp.bad("interactions.ndjson", 5, 'timestamp is not an ISO-8601 timestamp: "yesterday"')
    ev.insert(6, b"\r")
    exp.landed["interactions.ndjson"][_uuid(7)] = 8
    exp.bad("interactions.ndjson", 7, "carriage return")
    (events_dir / "interactions.ndjson").write_bytes(b"\n".join(ev) + b"\n")

    # ---- marketing: clean files (the marts need campaigns and touches)
    marketing = root / "marketing"
    marketing.mkdir()
    (marketing / "campaigns.csv").write_text(
        "campaign_id,campaign_name,channel_type,start_date,end_date,budget,attribution_window_hours\n"
        "SUMMER_SALE_DM_001,Summer Sale (Direct) #1,Direct,2026-06-10,2026-09-18,118500.00,24\n"
        'BACK_TO_SCHOOL_EML_002,"Back to\rSchool",Email,2026-07-17,,35500.00,24\n',  # \r inside quotes: data
        newline="",
    )
    exp.good("campaigns.csv", "SUMMER_SALE_DM_001", 2)
    exp.good("campaigns.csv", "BACK_TO_SCHOOL_EML_002", 3)
    touch_rows = ["touch_id,campaign_id,channel,lead_id,email,phone,touched_at_local,utc_offset"]
    for i in range(1, 6):
        touch_rows.append(f"tch_{i:012d},SUMMER_SALE_DM_001,email_open,00QLEAD{i:05d},ann{i}.crm@example.com,,"
                          f"2026-07-0{i} 10:07:27,+02:00")
        exp.good("touches.csv", f"tch_{i:012d}", i + 1)
    (marketing / "touches.csv").write_text("\n".join(touch_rows) + "\n")
    return exp


KEYS = {
    "crm_customer_records": "source_record_id",
    "crm_conversions": "conversionid",
    "crm_events": "contact_id",
    "genesys_conversations": "conversation_id",
    "genesys_interaction_events": "entity_id",
    "marketing_campaigns": "campaign_id",
    "marketing_touches": "touch_id",
}


def _file_key(path: str) -> str:
    p = Path(path)
    return f"{p.name}@crm" if p.parent.name == "crm" and p.suffix == ".ndjson" else p.name


@pytest.fixture(scope="module")
def landed(tmp_path_factory) -> tuple[Path, Path, Expected, subprocess.CompletedProcess]:
    work = tmp_path_factory.mktemp("bad_input")
    data = work / "data"
    exp = write_corpus(data)
    db = work / "warehouse.duckdb"
    return data, db, exp, cx(str(data), db=db)


def test_one_cx_load_run_lands_every_good_record_with_its_true_line(landed) -> None:
    data, db, exp, proc = landed
    assert proc.returncode == 0, proc.stdout + proc.stderr  # records landed: 0 (docs/sources.md, exit status)
    assert "Traceback" not in proc.stderr
    got: dict[str, dict[str, int]] = {}
    for table, key in KEYS.items():
        for source_file, value, line in query(db, f"select _source_file, {key}, _source_line from raw.{table}"):
            got.setdefault(_file_key(source_file), {})[value] = line
    assert got == exp.landed
    assert sum(map(len, got.values())) == 1591 + 5 + 2 + 9 + 5 + 5 + 2 + 2 + 2 + 5 + 2 + 5


def test_every_bad_record_is_a_reject_with_file_line_and_reason(landed) -> None:
    data, db, exp, _ = landed
    got: dict[str, dict[int | None, str]] = {}
    for source_file, line, reason in query(db, "select source_file, source_line, reason from raw._rejects"):
        assert reason, (source_file, line)
        assert line not in got.get(_file_key(source_file), {}), f"two rejects for {source_file}:{line}"
        got.setdefault(_file_key(source_file), {})[line] = reason
    assert {f: set(lines) for f, lines in got.items()} == {f: set(lines) for f, lines in exp.rejected.items()}
    for name, lines in exp.rejected.items():
        for line, word in lines.items():
            assert word.lower() in got[name][line].lower(), (name, line, got[name][line])
    # a line that is not UTF-8 says which line, that it is not UTF-8, and what to do (row 20 is on line 23:
    # the multi-line street of row 9 takes three lines)
    assert exp.rejected["customers_crm.csv"][23] == "UTF-8"
    assert "line 23 is not UTF-8" in got["customers_crm.csv"][23] and "--encoding" in got["customers_crm.csv"][23]


def test_source_columns_named_like_loader_internals_land_intact(landed) -> None:
    _, db, _, _ = landed
    [(attrs,)] = query(db, "select raw_attributes from raw.crm_customer_records where source_record_id = 'CRM-00001'")
    assert json.loads(attrs) == {name: f"x{j}" for j, name in enumerate(INTERNAL_NAMES)}
    [(street,)] = query(db, "select street from raw.crm_customer_records where source_record_id = 'CRM-00009'")
    assert street == "Flat 2\n12 High St\nRear"
    [(size,)] = query(db, "select length(street) from raw.crm_customer_records where source_record_id = 'ERP-00003'")
    assert size == 50 << 20
    [(name,)] = query(db, "select campaign_name from raw.marketing_campaigns where campaign_id like 'BACK%'")
    assert name == "Back to\rSchool"


def test_the_summary_notes_empty_files_and_names_failed_ones(landed) -> None:
    _, _, exp, proc = landed
    out = " ".join((proc.stdout + proc.stderr).split())
    for name in exp.notes:
        assert f"{name}:" in out and "note" in out, name
    for name in ("page_keys.json", "page_string.json", "page_null.json", "page_empty.json"):
        assert name in out


def test_landing_again_changes_nothing_and_strict_reports_the_rejects(landed) -> None:
    data, db, _, _ = landed
    before = query(db, "select (select count(*) from raw._rejects), (select count(*) from raw.crm_customer_records)")
    again = cx(str(data), db=db)
    assert again.returncode == 0, again.stdout + again.stderr
    assert query(db, "select (select count(*) from raw._rejects), (select count(*) from raw.crm_customer_records)") \
        == before
    strict = cx(str(data), "--strict", db=db)  # the wrong-shape pages fail again: --strict says so
    assert strict.returncode == 1


def test_dbt_build_over_the_landed_corpus_passes(landed) -> None:
    _, db, _, _ = landed
    build = run_dbt(db, "build")
    failures = [(r["unique_id"], r.get("message")) for r in build.failures()]
    assert build.returncode == 0 and not failures, (failures, build.stdout[-3000:])


# ------------------------------------------------------------------------------------ usage errors: exit 2


def test_a_map_target_that_is_not_a_column_exits_2_naming_it_and_the_valid_ones(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("person_no,given\n7,Ann\n")
    db = tmp_path / "w.duckdb"
    proc = cx("customers", str(people), "--source-system", "hr", "--map", "person_no=source_record_id,given=frist_name",
              db=db)
    out = " ".join(proc.stderr.split())
    assert proc.returncode == 2, out
    assert "frist_name is not a column of crm_customer_records" in out
    assert "first_name" in out and "postcode" in out
    proc = cx("customers", str(people), "--source-system", "hr", "--map", "source_record_id=foo", db=db)
    out = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and "foo is not a column" in out
    assert "the file has no source_record_id column" not in out
    proc = cx("customers", str(people), "--source-system", "hr", "--encoding", "no-such-codec", db=db)
    assert proc.returncode == 2 and "unknown encoding" in proc.stderr
    # ours=theirs (the wrong way round) names the order
    proc = cx("customers", str(people), "--source-system", "hr", "--map", "first_name=given", db=db)
    out = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and "did you mean --map given=first_name" in out, out


def test_a_repeated_map_keeps_every_entry(tmp_path: Path) -> None:
    """--map given=first_name --map person_no=source_record_id: both apply (the last one alone used to win,
    exit 0, with the names landed in raw_attributes only)."""
    people = tmp_path / "people.csv"
    people.write_text("person_no,given\n7,Ann\n")
    db = tmp_path / "w.duckdb"
    proc = cx("customers", str(people), "--source-system", "hr", "--map", "given=first_name",
              "--map", "person_no=source_record_id", db=db)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert query(db, "select source_record_id, first_name from raw.crm_customer_records") == [("7", "Ann")]
    proc = cx("customers", str(people), "--source-system", "hr", "--map", "given=first_name",
              "--map", "given=last_name", db=db)  # fmt: skip
    assert proc.returncode == 2 and "maps given twice" in proc.stderr


def test_encoding_decodes_a_windows_1252_file_and_lands_it_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "customers_legacy.csv"
    path.write_bytes((CUSTOMER_HEADER + "\n" + _customer(1, "legacy").replace("Springfield", "Caf\xe9 Town") + "\n")
                     .encode("cp1252"))
    db = tmp_path / "w.duckdb"
    proc = cx("customers", str(path), "--encoding", "cp1252", db=db)
    assert proc.returncode == 0, proc.stderr
    assert query(db, "select city from raw.crm_customer_records") == [("Café Town",)]
