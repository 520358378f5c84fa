"""The dashboards (issue 20): `cx ui` in headless Chromium, the identity review buttons honoured by a rebuild,
and `cx report`'s static HTML against independent SQL.

The sample warehouse (conftest) is copied, never written. Review decisions go to a copy of the seed file, never
the repository's: dbt reads seeds from its project's seed-paths, so the rebuild runs a *shadow project* — a
temporary directory whose entries are symlinks to this project's (models, macros, tests, dbt_project.yml…)
except seeds/, which links every seed file but identity_review_decisions.csv, a real file the app appends to.
Same models, same seed name, real `dbt seed` + `dbt build`; nothing in the repository changes.

Screenshots go to the test's temporary directory; set CX_UI_SCREENSHOTS=docs/screenshots to keep them.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from conftest import BIN, GENERATED_REFERENCE_TIME, ROOT, DbtResult, Warehouse, query

from loaders.ui import review
from loaders.ui.blocks import Chart, Metrics, Note, Options, Table, Widget, walk
from loaders.ui.dashboards import PAGES
from loaders.ui.masking import MASKS, show
from loaders.ui.warehouse import Warehouse as UiWarehouse

DECISIONS_SEED = "identity_review_decisions"
# the models the review decisions feed, and what the assertions read: seed → merge edges → clusters → map, queue
REBUILD = [f"{DECISIONS_SEED}+,+customer_identity_map", f"{DECISIONS_SEED}+,+identity_review_queue"]


@dataclass
class ShadowProject:
    work: Path
    project: Path  # symlinks to the real project, seeds/ with its own decisions file
    db: Path  # a copy of the sample warehouse
    decisions: Path
    screenshots: Path


def _shadow_project(work: Path) -> tuple[Path, Path]:
    project = work / "project"
    project.mkdir()
    for entry in ROOT.iterdir():
        if entry.name in ("seeds", "target", "logs", "data", ".venv", ".git", "dbt_packages") or \
                entry.name.endswith(".duckdb") or entry.name.endswith(".wal"):
            continue
        (project / entry.name).symlink_to(entry)
    seeds = project / "seeds"
    seeds.mkdir()
    for seed in (ROOT / "seeds").iterdir():
        if seed.name != f"{DECISIONS_SEED}.csv":
            (seeds / seed.name).symlink_to(seed)
    decisions = seeds / f"{DECISIONS_SEED}.csv"
    shutil.copyfile(ROOT / "seeds" / f"{DECISIONS_SEED}.csv", decisions)
    return project, decisions


def run_shadow_dbt(shadow: ShadowProject, *args: str) -> DbtResult:
    env = dict(os.environ, CX_DUCKDB_PATH=str(shadow.db), DBT_PROFILES_DIR=str(ROOT),
               CX_REFERENCE_TIME=GENERATED_REFERENCE_TIME)
    target = shadow.work / "target"
    cmd = [str(BIN / "dbt"), *args, "--project-dir", str(shadow.project), "--target-path", str(target),
           "--log-path", str(shadow.work / "logs")]
    proc = subprocess.run(cmd, cwd=shadow.project, env=env, capture_output=True, text=True, timeout=900)
    results = target / "run_results.json"
    return DbtResult(proc.returncode, proc.stdout + proc.stderr,
                     json.loads(results.read_text())["results"] if results.exists() else [])


def _make_shadow(sample: Warehouse, work: Path) -> ShadowProject:
    db = work / "warehouse.duckdb"
    shutil.copyfile(sample.db, db)
    project, decisions = _shadow_project(work)
    shots = Path(os.environ.get("CX_UI_SCREENSHOTS") or work / "screenshots")
    return ShadowProject(work, project, db, decisions, shots)


@pytest.fixture(scope="module")
def shadow(sample_warehouse: Warehouse, tmp_path_factory) -> ShadowProject:
    assert sample_warehouse.build.returncode == 0, sample_warehouse.build.stdout[-3000:]
    if not Path("/usr/bin/chromium").exists() and not os.environ.get("CX_CHROMIUM"):
        pytest.fail("Debian's chromium is missing: `make ui-install` (as `make test` does) installs it")
    return _make_shadow(sample_warehouse, tmp_path_factory.mktemp("ui"))


@pytest.fixture(scope="module")
def browser(shadow: ShadowProject):
    from loaders.ui.browser import chromium

    with chromium() as opened:
        yield opened


@pytest.fixture(scope="module")
def app(shadow: ShadowProject, browser):
    from loaders.ui.browser import running_app

    with running_app(shadow.db, shadow.decisions, log_dir=shadow.work) as server:
        yield server, browser


def _pair(row: dict, prefix: tuple[str, str] = ("left", "right")) -> frozenset:
    return frozenset((row[f"{side}_source_system"], row[f"{side}_source_record_id"]) for side in prefix)


def _keys(db: Path, pair: frozenset) -> dict[tuple[str, str], str]:
    rows = query(db, "select source_system, source_record_id, customer_key from marts.customer_identity_map")
    return {(s, r): k for s, r, k in rows if (s, r) in pair}


def _queue_pairs(db: Path) -> list[frozenset]:
    rows = query(db, """select left_source_system, left_source_record_id, right_source_system, right_source_record_id
                        from marts.identity_review_queue order by match_probability desc, pair_key""")
    return [frozenset({(a, b), (c, d)}) for a, b, c, d in rows]


# -- in a browser ------------------------------------------------------------------------------------------
def test_every_page_loads_without_an_error_and_is_screenshot(app, shadow: ShadowProject) -> None:
    from loaders.ui.browser import exceptions_on_page, open_page, screenshot

    server, browser = app
    # the first review pair's names: the Customers page must show them masked only
    [first] = query(shadow.db, """select left_first_name, left_last_name, right_first_name, right_last_name
                                  from marts.identity_review_queue order by match_probability desc, pair_key
                                  limit 1""")
    names = [str(n).lower() for n in first if n]
    assert names
    for index, page in enumerate(PAGES):
        seconds = open_page(browser, server, page.slug, via_sidebar=index > 0)
        assert not exceptions_on_page(browser.page), (page.slug, exceptions_on_page(browser.page))
        charts = browser.page.locator('[data-testid="stMain"] .js-plotly-plot').count()
        assert charts >= 3, f"{page.slug}: {charts} charts"
        shot = screenshot(browser.page, shadow.screenshots / f"{page.slug}.png")
        assert shot.stat().st_size > 20_000
        print(f"{page.slug}: ready in {seconds:.2f}s, {charts} charts")
        if page.slug == "customers":  # the review screen (an HTML table) shows masks, never the names
            table = browser.page.locator('[data-testid="stTable"]')
            table.wait_for()  # drawn after the charts (a component Streamlit loads on first use)
            browser.page.get_by_role("button", name="Keep apart", exact=True).wait_for()
            assert "•••" in table.inner_text()
            text = browser.page.locator('[data-testid="stMain"]').inner_text().lower()
            assert "what the level means" in text
            assert not [n for n in names if re.search(rf"\b{re.escape(n)}\b", text)], names
    assert not browser.errors, browser.errors


def test_pages_stay_up_while_a_writer_holds_the_warehouse(app, shadow: ShadowProject) -> None:
    """While dbt (here: this process) holds the write lock, a page serves its last results and says so."""
    from loaders.ui.browser import exceptions_on_page, open_page

    server, browser = app
    open_page(browser, server, "effort", via_sidebar=True)
    writer = duckdb.connect(str(shadow.db))  # the write lock, as `dbt build` holds it
    try:
        os.utime(shadow.db)  # a new file version: the app's cache misses and it has to open the file
        open_page(browser, server, "attribution", via_sidebar=True)
        assert "holds the warehouse" in browser.page.locator('[data-testid="stMain"]').inner_text()
        assert not exceptions_on_page(browser.page)
    finally:
        writer.close()
    open_page(browser, server, "effort", via_sidebar=True)
    assert "holds the warehouse" not in browser.page.locator('[data-testid="stMain"]').inner_text()
    assert not browser.errors, browser.errors


def _decide(browser, server, button: str, shown: str) -> None:
    """Click ``button`` on the first pair of the Customers page's review queue, wait for the confirmation."""
    from loaders.ui.browser import open_page, wait_ready

    if not browser.page.url.startswith(server.url):  # another server's page: open this app first
        open_page(browser, server, PAGES[0].slug, via_sidebar=False)
    open_page(browser, server, "customers", via_sidebar=True)
    page = browser.page
    page.get_by_label("reviewed by").fill("ui-test reviewer")
    page.get_by_role("button", name=button, exact=True).click()
    page.get_by_text(re.compile(f"^Recorded “{shown}”")).wait_for(timeout=30_000)
    wait_ready(page, "Customers")


def _rebuild(shadow: ShadowProject) -> None:
    """`dbt seed` of the decisions, then `dbt build` of what they feed (the shadow project's seed file)."""
    seeded = run_shadow_dbt(shadow, "seed", "--select", DECISIONS_SEED)
    assert seeded.returncode == 0, seeded.stdout[-3000:]
    built = run_shadow_dbt(shadow, "build", "--select", *REBUILD)
    assert built.returncode == 0 and not built.failures(), built.stdout[-3000:]


def _decisions(shadow: ShadowProject) -> list[dict[str, str]]:
    with shadow.decisions.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_merge_puts_the_two_records_in_one_customer_after_the_next_build(app, shadow: ShadowProject) -> None:
    from loaders.ui.browser import open_page

    server, browser = app
    queue = _queue_pairs(shadow.db)
    assert queue, "the sample has no pair to review"
    pair = queue[0]  # the app shows the most probable pair first
    before = _keys(shadow.db, pair)
    assert len(before) == 2 and len(set(before.values())) == 2, before  # two customers before

    _decide(browser, server, "Merge", "merge")
    rows = _decisions(shadow)
    assert [r["decision"] for r in rows] == ["merge"] and _pair(rows[0]) == pair
    assert rows[0]["reviewed_by"] == "ui-test reviewer"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", rows[0]["reviewed_at"])
    assert (ROOT / "seeds" / f"{DECISIONS_SEED}.csv").read_text().count("\n") <= 1  # the repo's seed untouched

    _rebuild(shadow)
    after = _keys(shadow.db, pair)
    assert len(after) == 2 and len(set(after.values())) == 1, after  # one customer now
    methods = {r[0] for r in query(shadow.db, "select match_method from marts.customer_identity_map "
                                              "where customer_key = ?", [next(iter(after.values()))])}
    assert "review_decision" in methods, methods
    assert pair not in _queue_pairs(shadow.db)

    # the open app reads the rebuilt file on the next page load (its cache is per file version)
    open_page(browser, server, "effort", via_sidebar=True)
    open_page(browser, server, "customers", via_sidebar=True)
    merged = browser.page.locator('[data-testid="stMetric"]', has_text="merged by review").inner_text()
    assert int(merged.split()[-1].replace(",", "")) >= 2, merged
    assert not browser.errors, browser.errors


def test_keep_apart_writes_no_merge_and_the_pair_leaves_the_queue(sample_warehouse: Warehouse, shadow, browser,
                                                                   tmp_path: Path) -> None:
    """On a second copy of the sample (the first one merged its pair) with its own decisions file; this app runs
    with --show-pii, so the pair's names are on the page unmasked."""
    from loaders.ui.browser import open_page, running_app

    other = _make_shadow(sample_warehouse, tmp_path)
    queue = _queue_pairs(other.db)
    assert queue
    pair = queue[0]
    [names] = query(other.db, """select left_first_name, left_last_name from marts.identity_review_queue
                                 order by match_probability desc, pair_key limit 1""")
    with running_app(other.db, other.decisions, log_dir=tmp_path, show_pii=True) as server:
        open_page(browser, server, PAGES[0].slug, via_sidebar=False)
        open_page(browser, server, "customers", via_sidebar=True)
        browser.page.locator('[data-testid="stTable"]').wait_for()
        browser.page.get_by_role("button", name="Keep apart", exact=True).wait_for()
        text = browser.page.locator('[data-testid="stMain"]').inner_text().lower()
        assert "what the level means" in text
        assert "pii is shown" in browser.page.locator('[data-testid="stSidebar"]').inner_text().lower()
        assert [n for n in names if n and str(n).lower() in text], names
        _decide(browser, server, "Keep apart", "keep apart")
    rows = _decisions(other)
    assert [r["decision"] for r in rows] == ["no_merge"] and _pair(rows[0]) == pair
    _rebuild(other)
    assert pair not in _queue_pairs(other.db)
    after = _keys(other.db, pair)
    assert len(after) == 2 and len(set(after.values())) == 2, after  # still two customers
    assert not browser.errors, browser.errors


# -- the static report --------------------------------------------------------------------------------------
class _Tables(HTMLParser):
    """data-table tables (rows of {data-column: text}), data-metric values, the announced chart count."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[dict[str, str]]] = {}
        self.metrics: dict[str, str] = {}
        self.charts = 0
        self._table: str | None = None
        self._cell: str | None = None
        self._metric: str | None = None
        self._in_value = False
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("data-table"):
            self._table = a["data-table"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append({})
        elif tag == "td" and self._table:
            self._cell, self._text = a.get("data-column"), ""
        elif a.get("data-metric"):
            self._metric = a["data-metric"]
        elif tag == "span" and a.get("class") == "value" and self._metric:
            self._in_value, self._text = True, ""
        elif a.get("data-charts"):
            self.charts = int(a["data-charts"])

    def handle_endtag(self, tag):
        if tag == "td" and self._cell:
            self.tables[self._table][-1][self._cell] = self._text.strip()
            self._cell = None
        elif tag == "table":
            self._table = None
        elif tag == "span" and self._in_value:
            self.metrics[self._metric] = self._text.strip()
            self._in_value, self._metric = False, None

    def handle_data(self, data):
        if self._cell or self._in_value:
            self._text += data


def _parse(path: Path) -> _Tables:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_report_writes_every_page_with_the_numbers_sql_gives(sample_warehouse: Warehouse, browser,
                                                             tmp_path: Path) -> None:
    """On the sample as built (`cx report` only reads it), review queue included."""
    db = sample_warehouse.db
    out = tmp_path / "report"
    proc = subprocess.run([str(BIN / "cx"), "report", "--db", str(db), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in out.glob("*.html")) == sorted(["index.html", *(f"{p.slug}.html" for p in PAGES)])
    assert (out / "plotly.min.js").stat().st_size > 1_000_000  # the bundle beside the pages: no CDN
    for html_file in out.glob("*.html"):
        assert not re.search(r"""(src|href)=["']https?://""", html_file.read_text()), html_file.name

    attribution = _parse(out / "attribution.html")
    shown = {r["model"]: float(r["revenue_credited"].replace(",", ""))
             for r in attribution.tables["credited_revenue_by_model"] if r}
    expected = dict(query(db, """
        select attribution_model, sum(credited_revenue)::double from marts.fct_attribution_credit
        where is_attributed and is_counted group by 1"""))
    assert shown.keys() == expected.keys() and len(shown) >= 5
    for model, value in expected.items():
        assert shown[model] == pytest.approx(value, abs=0.005), model

    effort = _parse(out / "effort.html")
    [(conversations, mean)] = query(db, "select count(*), avg(ces_score) filter (where is_scored) "
                                               "from marts.fct_conversation_effort")
    assert effort.metrics["conversations"] == f"{conversations:,}"
    assert effort.metrics["ces_mean"] == f"{mean:.2f}"
    names = {str(n).lower() for row in query(db, "select left_first_name, left_last_name, right_first_name, "
                                                       "right_last_name from marts.identity_review_queue")
             for n in row if n and len(str(n)) > 3}
    page_text = re.sub(r"<[^>]+>", " ", (out / "customers.html").read_text()).lower()
    assert names and not [n for n in names if re.search(rf"\b{re.escape(n)}\b", page_text)]  # masked
    customers = _parse(out / "customers.html")
    [(golden,)] = query(db, "select count(distinct customer_key) from marts.customer_identity_map")
    assert customers.metrics["customers"] == f"{golden:,}"
    engagement = _parse(out / "engagement.html")
    targets = {r["target"]: r for r in engagement.tables["export_state"] if r}
    [(outbound,)] = query(db, "select count(*) from marts.export__outbound_contacts")
    assert targets["outbound_contacts"]["mart_rows"] == f"{outbound:,}"

    # every chart draws in Chromium with the network closed (a page of the module's browser, every request
    # that is not a file aborted)
    page = browser.context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    try:
        for dashboard in PAGES:
            announced = _parse(out / f"{dashboard.slug}.html").charts
            assert announced >= 3, dashboard.slug
            page.goto((out / f"{dashboard.slug}.html").as_uri())
            page.wait_for_function("n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
                                   arg=announced, timeout=30_000)
    finally:
        page.close()
    assert not errors, errors


# -- without a browser ----------------------------------------------------------------------------------------
def test_pages_cope_with_an_empty_warehouse_and_no_ops_schema(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    missing = tmp_path / "missing.duckdb"
    for path in (empty, missing):
        for page in PAGES:
            wh = UiWarehouse(path)
            with wh.session():
                try:
                    blocks = page.build(wh, Options(decisions_path=str(tmp_path / "d.csv")))
                except Exception as exc:  # the app shows a warning for an unreadable file, never a traceback
                    from loaders.ui.warehouse import WarehouseUnavailable

                    assert isinstance(exc, WarehouseUnavailable) and path == missing, (page.slug, exc)
                    continue
            notes = [b.text for b in walk(blocks) if isinstance(b, Note)]
            assert any("not in the warehouse yet" in n for n in notes), (page.slug, notes)
    proc = subprocess.run([str(BIN / "cx"), "report", "--db", str(empty), "--out", str(tmp_path / "r")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "not in the warehouse yet" in (tmp_path / "r" / "effort.html").read_text()


def test_export_state_counts_sent_changed_and_dead_letters(shadow: ShadowProject, tmp_path: Path) -> None:
    from exporter.state import ensure_schema
    from loaders.ui.dashboards import export_state

    db = tmp_path / "exported.duckdb"
    shutil.copyfile(shadow.db, db)
    con = duckdb.connect(str(db))
    ensure_schema(con)
    keys = [r[0] for r in con.execute("select export_key from marts.export__external_contacts order by 1 limit 5")
            .fetchall()]
    assert len(keys) == 5
    # 3 acknowledged with the current payload, 1 with an old one (changed since), 1 dead letter
    con.execute("""insert into ops.export_state select 'external_contacts', export_key,
                   case when export_key = ? then 'old' else payload_hash end, now(), 'r1', 200
                   from marts.export__external_contacts where export_key in (?, ?, ?, ?)""", [keys[3], *keys[:4]])
    con.execute("""insert into ops.export_dead_letters select 'external_contacts', export_key, payload_hash, 'POST',
                   '/x', payload, 409, 'conflict', 'm', 'HTTP 409', null, 3, now(), now(), null, null, 'r1'
                   from marts.export__external_contacts where export_key = ?""", [keys[4]])
    con.close()
    wh = UiWarehouse(db)
    with wh.session():
        state = export_state(wh).set_index("target")
    [(total,)] = query(db, "select count(*) from marts.export__external_contacts")
    row = state.loc["external_contacts"]
    assert (row.mart_rows, row.in_sync, row.dead_letters, row.pending) == (total, 3, 1, total - 4)
    assert state.loc["outbound_contacts"].in_sync == 0


def test_pii_masks_never_show_the_value() -> None:
    samples = {"first_name": "Marguerite", "last_name": "Okafor", "email": "m.okafor@example.org",
               "phone_e164": "+14155550123", "date_of_birth": "1984-07-21", "street": "12 Harbour Road",
               "postcode": "SW1A 1AA", "account_id": "ACC-779974407"}
    for field, value in samples.items():
        masked = show(field, value, show_pii=False)
        assert masked and masked != value and value not in masked, (field, masked)
        assert show(field, value, show_pii=True) == value
    assert show("date_of_birth", "1984-07-21", False) == "1980s"
    assert show("email", "m.okafor@example.org", False).endswith("@example.org")
    assert set(review.FIELDS) - {"city"} <= set(MASKS)


def test_decisions_are_appended_with_a_header_and_accepted_values(tmp_path: Path) -> None:
    path = tmp_path / "decisions.csv"
    review.append_decision(path, ("crm", "A1"), ("web", "w-1"), "merge", "  Ana  Lee ", note="same, person")
    review.append_decision(path, ("erp", "E1"), ("crm", "A2"), "no_merge", "")
    with pytest.raises(ValueError):
        review.append_decision(path, ("erp", "E1"), ("crm", "A2"), "keep_apart", "x")
    lines = path.read_text().splitlines()
    assert lines[0] == ",".join(review.COLUMNS) and len(lines) == 3
    rows = review.read_decisions(path)
    assert [r.decision for r in rows] == ["merge", "no_merge"] and rows[0].reviewed_by == "Ana Lee"
    assert rows[0].note == "same, person" and rows[1].reviewed_by  # an empty name falls back to the OS user
    # the values the model accepts (seeds/_seeds.yml accepted_values)
    assert set(review.DECISIONS) == set(re.search(r"values: \[(merge, no_merge)\]", (ROOT / "seeds" / "_seeds.yml")
                                                  .read_text()).group(1).split(", "))


def test_block_types_are_known_to_both_renderers() -> None:
    source_app = (ROOT / "loaders" / "ui" / "app.py").read_text()
    source_report = (ROOT / "loaders" / "ui" / "report.py").read_text()
    for block in (Chart, Metrics, Note, Table, Widget):
        assert f"isinstance(block, {block.__name__})" in source_app
        assert f"isinstance(block, {block.__name__})" in source_report
