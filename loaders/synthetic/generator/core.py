"""`generate()`: orchestrates the entity generators and writes every file plus truth/ and manifest.json."""

from __future__ import annotations

import base64
import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from loaders.synthetic.generator import conversations as C
from loaders.synthetic.generator.activity import REF_MS, Planner, poisson
from loaders.synthetic.generator.corrupt import CLEAN_COLUMNS, HeavyNoise
from loaders.synthetic.generator.crm import CONVERSION_COLUMNS, EVENT_TRUTH_COLUMNS, CrmEventWriter, conversion_row
from loaders.synthetic.generator.ids import fixed_uuid
from loaders.synthetic.generator.marketing import TOUCH_COLUMNS, make_campaigns, touch_row, write_campaigns
from loaders.synthetic.generator.people import Person, make_people, write_customer_files
from loaders.synthetic.generator.profiles import REFERENCE_TIME, WINDOW_START_S, resolve_volumes
from loaders.synthetic.generator.reference import write_reference
from loaders.synthetic.generator.split import split_days
from loaders.synthetic.generator.textmess import csv_line, email_mess
from loaders.synthetic.generator.timeutil import day_str, iso_ms, iso_s
from loaders.synthetic.generator.user_status import write_user_details

GENERATOR_VERSION = "1.0.0"
PAGE_SIZE = 1000
LIVE_DUPLICATE_SHARE = 0.03
EVENT_SHARE = 0.92
NOISE_LEVELS = ("standard", "heavy")
OUTPUT_DIRS = ("genesys", "customers", "crm", "marketing", "truth", "days")

ProgressFn = Callable[[str, int, int], None]

CONVERSATION_TRUTH_COLUMNS = [
    "conversation_id", "person_id", "kind", "media_type", "originating_direction", "conversation_start",
    "is_complete", "has_live_duplicate", "true_transfers", "true_queue_wait_seconds", "true_ivr_seconds",
    "owning_campaign_id", "owning_touch_id",
]  # fmt: skip

TRUTH_RULES = {
    "owning_touch": "latest touch of the same person strictly before the conversation start / conversion time "
    "whose campaign's attribution_window_hours (empty = 24) covers it; touches = marketing touches with a "
    "known campaign_id plus connected (answered) outbound dialer calls (touch id = conversationId); "
    "equal times: larger campaign id then touch id wins",
    "conversion_time": "the true instant; date-only ConversionDate values are the UTC date of it",
    "true_queue_wait_seconds": "sum of tAcd over acd sessions / 1000 (abandons included)",
    "true_transfers": "sum of nTransferred over agent sessions",
    "crm_event_fate": "reject:<reason> > future (event_timestamp > reference_time + 5 min) > "
    "backfill (first received_at - event_timestamp > 7 days) > valid",
    "is_complete": "0 = still live at reference_time (only a live version exists; truth counts what is visible)",
}


def _noop(stage: str, done: int, total: int) -> None:
    return None


def generate(
    profile: str,
    seed: int,
    out_dir: str | Path,
    overrides: dict[str, int | None] | None = None,
    progress: ProgressFn | None = None,
    noise: str = "standard",
    hold_out_days: int = 0,
    changed_records_per_day: int | None = None,
) -> dict[str, Any]:
    """Write the synthetic data set to ``out_dir`` and return the manifest (also written as manifest.json).

    Deterministic: the same (profile, seed, overrides, noise) produce byte-identical files. ``noise="heavy"``
    corrupts the customer records much harder and adds duplicates (loaders/synthetic/generator/corrupt.py); every other
    file is the same as with ``"standard"``. ``hold_out_days=N`` then moves the records of the window's last N days
    into ``out_dir/days/<date>/`` (split.py), the files that would arrive night by night, and adds to each day
    ``changed_records_per_day`` new versions of existing customer records (default: 0.2 % of the customer records,
    at least 5; 0 for none).
    """
    if noise not in NOISE_LEVELS:
        raise ValueError(f"unknown noise {noise!r}; choose one of {', '.join(NOISE_LEVELS)}")
    vol = resolve_volumes(profile, overrides)
    progress = progress or _noop
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ours = [out / sub for sub in OUTPUT_DIRS if (out / sub).exists()]
    if ours and not (out / "manifest.json").exists():
        raise ValueError(
            f"{out} already has {ours[0].name}/ but no manifest.json: not a generator output, not touching it"
        )
    for sub in ours:
        shutil.rmtree(sub)
    truth = out / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    counts: dict[str, Any] = {}

    # --- people and their customer records -------------------------------------------------------------
    progress("people", 0, vol.customers)
    people = make_people(random.Random(f"{seed}:people"), vol.customers)
    heavy: HeavyNoise | None = None
    clean_fh = None
    if noise == "heavy":
        clean_fh = open(truth / "customer_records_clean.csv", "w", encoding="utf-8", newline="")
        clean_fh.write(csv_line(CLEAN_COLUMNS))
        heavy = HeavyNoise(random.Random(f"{seed}:noise_heavy"), lambda row, fh=clean_fh: fh.write(csv_line(row)))
    with open(truth / "person_records.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write(csv_line(["source_system", "source_record_id", "person_id"]))
        per_system = write_customer_files(
            random.Random(f"{seed}:records"), people, out,
            lambda system, rec, pid: fh.write(csv_line([system, rec, pid])), heavy,
        )  # fmt: skip
    if clean_fh is not None:
        clean_fh.close()
    counts["crm_customer_records"] = sum(per_system.values())
    counts["crm_customer_records_by_system"] = per_system
    with open(truth / "persons.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write(csv_line(["person_id", "latent_engagement", "timezone", "converts_after_reference"]))
        for p in people:
            fh.write(csv_line([p.person_id, f"{p.engagement:.4f}", p.tz, str(p.converts_after)]))
    progress("people", vol.customers, vol.customers)

    # --- campaigns, then per-person activity plans -----------------------------------------------------
    campaigns = make_campaigns(random.Random(f"{seed}:campaigns"))
    counts["marketing_campaigns"] = write_campaigns(campaigns, out)
    # the org's reference data (queues, users, wrap-up codes, …): fixed objects plus the outbound campaigns
    counts["genesys_reference_entities"] = write_reference(campaigns, out)
    planner = Planner(seed, people, campaigns, vol.conversations, vol.touches, vol.conversions)
    crm_truth = open(truth / "events.csv", "w", encoding="utf-8", newline="")
    crm_truth.write(csv_line(EVENT_TRUTH_COLUMNS))
    events = CrmEventWriter(random.Random(f"{seed}:crm_events"), out, crm_truth)
    rng_ev_count = random.Random(f"{seed}:crm_event_counts")
    w_ev = sum(0.05 + p.engagement**1.5 for p in people if p.crm_id) or 1.0
    k_ev = vol.crm_events * 0.965 / w_ev  # retries add ~3.5 % deliveries
    step = max(1, vol.customers // 200)
    for n, p in enumerate(people):
        planner.run_person(p)
        if p.crm_id:
            events.person_events(p, poisson(rng_ev_count, k_ev * (0.05 + p.engagement**1.5)))
        if n % step == 0:
            progress("activity", n, vol.customers)
    planner.no_person_conversations()
    progress("activity", vol.customers, vol.customers)
    crm_truth.close()
    events.finish()
    counts["crm_events"] = events.lines
    counts["crm_events_truncated_lines"] = events.truncated
    counts["crm_events_distinct"] = events.distinct
    counts["crm_events_by_fate"] = dict(sorted(events.fates.items()))
    plans = planner.plans

    counts["marketing_touches"] = _write_touches(seed, out, plans.touches, people, campaigns)
    plans.touches = []
    counts["crm_conversions"] = _write_conversions(seed, out, plans.conversions, people)
    plans.conversions = []
    counts.update(_write_conversations(seed, out, plans.conversations, people, campaigns, progress))
    plans.conversations = []
    # agents' presence and routing status, derived from the conversations just written (users details jobs)
    counts["genesys_user_details"] = write_user_details(out / "genesys" / "conversations", out)

    manifest = {
        "generator": "loaders.synthetic.generator",
        "generator_version": GENERATOR_VERSION,
        "profile": profile,
        "seed": seed,
        "reference_time": REFERENCE_TIME,
        "window_start": iso_s(WINDOW_START_S),
        "volumes_requested": vol.__dict__,
        "counts": counts,
        "truth_files": {
            "person_records": "truth/person_records.csv",
            "persons": "truth/persons.csv",
            "conversations": "truth/conversations.csv",
            "conversions": "truth/conversions.csv",
            "touches": "truth/touches.csv",
            "events": "truth/events.csv",
        },
        "truth_rules": TRUTH_RULES,
    }
    if heavy is not None:  # standard manifests stay exactly as before --noise existed
        manifest = {**dict(list(manifest.items())[:4]), "noise": noise, **dict(list(manifest.items())[4:])}
        manifest["truth_files"]["customer_records_clean"] = "truth/customer_records_clean.csv"
        manifest["counts"]["heavy_noise"] = heavy.stats()
    with open(out / "manifest.json", "w", encoding="utf-8", newline="") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")
    if hold_out_days:
        if changed_records_per_day is None:
            changed_records_per_day = max(5, manifest["counts"].get("crm_customer_records", 0) // 500)
        split_days(out, hold_out_days, changed_records_per_day)
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return manifest


def _write_touches(seed: int, out: Path, touches: list, people: list[Person], campaigns: list) -> int:
    rng = random.Random(f"{seed}:touch_rows")
    touches.sort()
    with (
        open(out / "marketing" / "touches.csv", "w", encoding="utf-8", newline="") as fh,
        open(out / "truth" / "touches.csv", "w", encoding="utf-8", newline="") as th,
    ):
        fh.write(csv_line(TOUCH_COLUMNS))
        th.write(csv_line(["touch_id", "person_id", "touched_at_utc"]))
        for t, tid, cidx, channel, pidx in touches:
            cid = campaigns[cidx].campaign_id if cidx >= 0 else ""
            fh.write(touch_row(rng, tid, cid, channel, people[pidx], t))
            th.write(csv_line([tid, people[pidx].person_id, iso_s(t)]))
    return len(touches)


def _write_conversions(seed: int, out: Path, conversions: list, people: list[Person]) -> int:
    rng = random.Random(f"{seed}:conversion_rows")
    conversions.sort()
    (out / "crm").mkdir(parents=True, exist_ok=True)
    with (
        open(out / "crm" / "conversions.csv", "w", encoding="utf-8", newline="") as fh,
        open(out / "truth" / "conversions.csv", "w", encoding="utf-8", newline="") as th,
    ):
        fh.write(csv_line(CONVERSION_COLUMNS))
        th.write(csv_line(["conversion_id", "person_id", "conversion_time", "true_campaign_id", "true_touch_id"]))
        for n, (ts, pidx, true_c, true_t, other) in enumerate(conversions, start=1):
            cid = f"CNV-{n:07d}"
            p = people[pidx]
            fh.write(conversion_row(rng, cid, p, ts, true_c, other))
            th.write(csv_line([cid, p.person_id, iso_s(ts), true_c, true_t]))
    return len(conversions)


def _caller(rng: random.Random, p: Person | None, kind: str) -> C.Caller:
    if p is None:
        phone = f"+1{rng.choice(('205', '318', '505', '907'))}{rng.randrange(200, 999)}{rng.randrange(10000):04d}"
        return C.Caller(phone, "Wireless Caller", None, None, None, None)
    phone = p.phone
    display = f"{p.city} {p.state}".strip()
    if kind == "voice" and rng.random() < 0.08:  # calling from a number nobody has on file
        phone = f"+1{rng.choice(('646', '773', '818', '512'))}{rng.randrange(200, 999)}{rng.randrange(10000):04d}"
        display = "Wireless Caller"
    elif kind == "outbound":
        display = f"{p.first} {p.last}"
    elif kind == "message":
        display = p.first
    account = p.account_id if kind != "outbound" and rng.random() < (0.4 if kind == "message" else 0.3) else None
    email = email_mess(rng, p.email) if kind == "message" else None
    ext = fixed_uuid(f"external-contact:{p.person_id}") if rng.random() < 0.15 else None
    return C.Caller(phone, display, account, email, p.first, ext)


_TRANSFERS = ((0, 1, 2, 3, 4), (885, 80, 25, 7, 3))


def _plan(rng: random.Random, plan: tuple, people: list[Person], campaigns: list) -> C.Conv:
    start, conv_id, kind, pidx, _c, _t, ob = plan
    p = people[pidx] if pidx >= 0 else None
    caller = _caller(rng, p, kind)
    if kind == "outbound":
        assert p is not None and ob is not None
        camp = campaigns[ob[0]]
        contact = fixed_uuid(f"outbound-contact:{camp.campaign_id}:{p.person_id}")
        return C.plan_outbound(rng, conv_id, start, caller, ob[2], camp.campaign_id, camp.outbound_campaign_id,
                               camp.contact_list_id, contact, ob[1], p.lead_source, p.crm_id or "")  # fmt: skip
    transfers = rng.choices(*_TRANSFERS)[0]
    if kind == "message":
        return C.plan_message(rng, conv_id, start, caller, transfers)
    if kind == "callback":
        return C.plan_callback(rng, conv_id, start, caller)
    r = rng.random()
    return C.plan_inbound_voice(rng, conv_id, start, caller, transfers, abandon=r < 0.08, ivr_only=0.08 <= r < 0.13,
                                intent=rng.choice(C.INTENTS))  # fmt: skip


def _cursor(seed: int, label: str, page: int) -> str:
    return base64.urlsafe_b64encode(f"{seed}:{label}:{page}".encode()).decode().rstrip("=")


def _write_pages(folder: Path, prefix: str, docs: list[str], seed: int, label: str, availability: str) -> int:
    pages = max(1, -(-len(docs) // PAGE_SIZE))
    for n in range(pages):
        chunk = docs[n * PAGE_SIZE : (n + 1) * PAGE_SIZE]
        tail = f',"cursor":"{_cursor(seed, label, n + 2)}"' if n < pages - 1 else ""
        with open(folder / f"{prefix}-{n + 1:04d}.json", "w", encoding="utf-8", newline="") as fh:
            fh.write('{"conversations":[')
            fh.write(",".join(docs[n * PAGE_SIZE : n * PAGE_SIZE + len(chunk)]))
            fh.write(f'],"dataAvailabilityDate":"{availability}"{tail}}}\n')
    return pages


def _dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _write_conversations(
    seed: int, out: Path, plans: list, people: list[Person], campaigns: list, progress: ProgressFn
) -> dict[str, int]:
    rng = random.Random(f"{seed}:render")
    plans.sort()
    conv_root = out / "genesys" / "conversations"
    ev_root = out / "genesys" / "events"
    ev_root.mkdir(parents=True, exist_ok=True)
    n_records = n_live = n_live_only = n_events = n_pages = 0
    total = len(plans)
    i = 0
    with open(out / "truth" / "conversations.csv", "w", encoding="utf-8", newline="") as th:
        th.write(csv_line(CONVERSATION_TRUTH_COLUMNS))
        while i < total:
            day = plans[i][0] // 86_400_000
            day_text = day_str(day)
            docs: list[str] = []
            live_docs: list[str] = []
            ev_lines: list[str] = []
            while i < total and plans[i][0] // 86_400_000 == day:
                plan = plans[i]
                conv = _plan(rng, plan, people, campaigns)
                r_dup, r_event = rng.random(), rng.random()
                cut: int | None = None
                has_dup = False
                if conv.end > REF_MS:
                    cut = REF_MS  # still live at the reference time: only the live version exists
                    n_live_only += 1
                elif r_dup < LIVE_DUPLICATE_SHARE and conv.end - conv.start > 2000:
                    has_dup = True
                    live_cut = conv.start + 1000 + rng.randrange(conv.end - conv.start - 1000)
                    live_docs.append(_dumps(C.render(conv, live_cut)))
                docs.append(_dumps(C.render(conv, cut)))
                if cut is None and conv.direction == "inbound" and r_event < EVENT_SHARE:
                    ev_lines.append(_dumps(C.interaction_event(rng, conv)))
                transfers, queue_ms, ivr_ms = C.truth_at(conv, cut)
                pid = people[plan[3]].person_id if plan[3] >= 0 else ""
                th.write(csv_line([conv.conversation_id, pid, conv.kind, conv.media, conv.direction,
                                   iso_ms(conv.start), "0" if cut else "1", "1" if has_dup else "0", str(transfers),
                                   f"{queue_ms / 1000:.3f}", f"{ivr_ms / 1000:.3f}", plan[4], plan[5]]))  # fmt: skip
                i += 1
                if i % 2000 == 0:
                    progress("conversations", i, total)
            folder = conv_root / day_text
            folder.mkdir(parents=True, exist_ok=True)
            availability = iso_ms(min((day + 1) * 86_400_000 + 6 * 3_600_000, REF_MS))
            n_pages += _write_pages(folder, "page", docs, seed, day_text, availability)
            if live_docs:
                # an earlier, intraday job whose pages caught these conversations while they were live
                n_pages += _write_pages(folder, "intraday-page", live_docs, seed, f"{day_text}-intraday",
                                        availability)  # fmt: skip
            if ev_lines:
                with open(ev_root / f"interactions-{day_text}.ndjson", "w", encoding="utf-8", newline="") as fh:
                    fh.write("\n".join(ev_lines) + "\n")
            n_records += len(docs) + len(live_docs)
            n_live += len(live_docs)
            n_events += len(ev_lines)
    progress("conversations", total, total)
    return {
        "genesys_conversations": n_records,
        "genesys_conversations_distinct": total,
        "genesys_conversations_live_duplicates": n_live,
        "genesys_conversations_live_only": n_live_only,
        "genesys_conversation_pages": n_pages,
        "genesys_interaction_events": n_events,
    }
