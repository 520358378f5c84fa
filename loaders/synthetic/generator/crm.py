"""CRM exports: conversions (seed 001) and archived webhook deliveries of offline events (seed 003)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from loaders.synthetic.generator.ids import rng_uuid
from loaders.synthetic.generator.people import CHANNEL_ORIGINS, Person
from loaders.synthetic.generator.profiles import REFERENCE_EPOCH_S, WINDOW_START_S
from loaders.synthetic.generator.spool import DaySpool
from loaders.synthetic.generator.textmess import csv_line
from loaders.synthetic.generator.timeutil import iso_s, local_to_utc

CONVERSION_COLUMNS = ["ConversionID", "LeadID", "CampaignID", "ConversionDate", "ConversionValue", "Status"]
EVENT_TRUTH_COLUMNS = [
    "contact_id", "person_id", "crm_record_id", "event_type", "event_timestamp", "first_received_at",
    "deliveries", "expected_fate",
]  # fmt: skip

TRANSACTIONS = ("invoice.paid", "order.placed", "subscription.renewed")
BEHAVIOURS = ("web.session", "email.click", "support.case_opened", "app.login")
_PREFIX = {"invoice.paid": "INV", "order.placed": "ORD", "subscription.renewed": "SUB", "web.session": "SES",
           "email.click": "EML", "support.case_opened": "CASE", "app.login": "APP"}  # fmt: skip
# The CRM vendor's release after which `transaction_value` is sent as `tx_amount` (by delivery time).
CRM_RELEASE_S = 1_790_812_800  # 2026-10-01T00:00:00Z
FUTURE_TOLERANCE_S = 300
BACKFILL_AFTER_S = 7 * 86_400
_CATEGORIES = ["enterprise_license", "broadband", "mobile_plan", "accessories", "tv_bundle", "insurance"]


def conversion_row(rng: random.Random, conv_id: str, person: Person, ts: int, true_campaign: str,
                   other_campaign: str) -> str:  # fmt: skip
    """One CRM conversion; CampaignID is what the CRM believes (often the truth, sometimes empty or stale)."""
    if true_campaign:
        campaign = true_campaign if rng.random() < 0.8 else ""
    else:
        campaign = other_campaign if other_campaign and rng.random() < 0.3 else ""
    date = iso_s(ts)[:10] if rng.random() < 0.3 else iso_s(ts)
    value = f"{min(rng.lognormvariate(5.5, 1.0), 25_000):.2f}"
    status = rng.choices(("won", "pending", "cancelled"), weights=(70, 20, 10))[0]
    return csv_line([conv_id, person.crm_id or "", campaign, date, value, status])


class CrmEventWriter:
    """Draws a person's CRM events and spools their deliveries (sorted by arrival when finished)."""

    def __init__(self, rng: random.Random, out_dir: Path, truth_fh: Any) -> None:
        self.rng = rng
        self.out_dir = out_dir
        self.spool = DaySpool(out_dir / ".tmp_crm_events")
        self.truth_fh = truth_fh
        self.counter = 0
        self.lines = 0
        self.truncated = 0  # a cut-off last line (not a delivery)
        self.distinct = 0
        self.fates: dict[str, int] = {}

    def person_events(self, p: Person, count: int) -> None:
        rng = self.rng
        for _ in range(count):
            if rng.random() < 0.15 + 0.3 * p.engagement:
                kind = rng.choice(TRANSACTIONS)
            else:
                kind = rng.choices(BEHAVIOURS, weights=(40, 25, 10, 25))[0]
            r = rng.random()
            if r < 0.01:  # clock skew: stamped more than 5 minutes ahead of the reference time
                fate = "future"
                received = REFERENCE_EPOCH_S - rng.randrange(0, 3 * 86_400)
                event_ts = REFERENCE_EPOCH_S + rng.randrange(FUTURE_TOLERANCE_S + 60, 3 * 86_400)
            else:
                if r < 0.06:  # archived backfill: arrives more than 7 days after it happened
                    fate, lag = "backfill", rng.randrange(BACKFILL_AFTER_S + 86_400, 40 * 86_400)
                elif r < 0.15:  # late but within the real-time window
                    fate, lag = "valid", rng.randrange(3600, 5 * 86_400)
                else:
                    fate, lag = "valid", rng.randrange(1, 40)
                event_ts = self._local_time(p, REFERENCE_EPOCH_S - lag - 1)
                received = event_ts + lag
            attrs = self._attributes(p, kind, received)
            if rng.random() < 0.01:
                reason = rng.choice(("missing_crm_record_id", "non_numeric_transaction_value", "array_value"))
                if reason == "non_numeric_transaction_value" and kind not in TRANSACTIONS:
                    reason = "array_value"
                if reason == "missing_crm_record_id":
                    del attrs["crm_record_id"]
                elif reason == "non_numeric_transaction_value":
                    key = "tx_amount" if "tx_amount" in attrs else "transaction_value"
                    attrs[key] = f"{attrs[key]:,.2f} USD"
                else:
                    attrs["tags"] = rng.sample(["promo", "vip", "churn_risk", "new", "b2b"], 2)
                fate = f"reject:{reason}"
            contact = p.old_crm_id if p.old_crm_id and rng.random() < 0.1 else p.crm_id
            body = {"contact_id": contact, "event_type": kind, "event_timestamp": iso_s(event_ts), "attributes": attrs}
            deliveries = [received]
            if not fate.startswith("reject") and rng.random() < 0.04:
                for _ in range(rng.choice((1, 1, 2))):
                    retry = deliveries[-1] + rng.randrange(30, 2 * 3600)
                    if retry <= REFERENCE_EPOCH_S:
                        deliveries.append(retry)
            body_json = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
            for at in deliveries:
                headers = f'{{"X-Request-Id":"{rng_uuid(rng)}"}}'
                line = f'{{"received_at":"{iso_s(at)}","headers":{headers},"body":{body_json}}}'
                self.spool.add(at // 86_400, f"{at:011d}{self.lines:010d}", line)
                self.lines += 1
            self.distinct += 1
            self.fates[fate.split(":")[0]] = self.fates.get(fate.split(":")[0], 0) + 1
            self.truth_fh.write(csv_line([contact or "", p.person_id, attrs.get("crm_record_id", ""), kind,
                                          iso_s(event_ts), iso_s(received), str(len(deliveries)), fate]))  # fmt: skip

    def _local_time(self, p: Person, latest: int) -> int:
        rng = self.rng
        lo = WINDOW_START_S
        for _ in range(6):
            day = rng.randrange(lo // 86_400, latest // 86_400 + 1)
            hour = min(23, max(0, p.hour_pref + rng.randrange(-2, 3)))
            utc = local_to_utc(p.tz, day * 86_400 + hour * 3600 + rng.randrange(3600))
            if lo <= utc <= latest:
                return utc
        return rng.randrange(lo, max(lo + 1, latest))

    def _attributes(self, p: Person, kind: str, first_delivery: int) -> dict[str, Any]:
        rng = self.rng
        self.counter += 1
        attrs: dict[str, Any] = {"crm_record_id": f"{_PREFIX[kind]}-{self.counter:08d}"}
        if kind == "app.login":
            channel = "mobile_app"
        elif kind == "email.click":
            channel = "email"
        else:
            channel = p.channel_pref if rng.random() < 0.6 else rng.choice(CHANNEL_ORIGINS)
        if kind in TRANSACTIONS:
            value = round(min(rng.lognormvariate(4.5 + 1.5 * p.engagement, 1.0), 50_000), 2)
            attrs["tx_amount" if first_delivery >= CRM_RELEASE_S else "transaction_value"] = value
            attrs["payment_status"] = rng.choice(("captured", "captured", "captured", "pending"))
            if rng.random() < 0.25:
                attrs["product"] = {"category": rng.choice(_CATEGORIES), "sku": f"SKU-{rng.randrange(10**5):05d}"}
            else:
                attrs["product_category"] = rng.choice(_CATEGORIES)
        elif kind == "web.session":
            attrs["session_duration_seconds"] = int(rng.expovariate(1 / 240)) + 5
            attrs["pages_viewed"] = rng.randrange(1, 15)
        elif kind == "email.click":
            attrs["link_id"] = f"lnk-{rng.randrange(1000):03d}"
        elif kind == "support.case_opened":
            attrs["priority"] = rng.choice(("low", "medium", "high"))
            attrs["case_category"] = rng.choice(("billing", "technical", "delivery", "account"))
        else:
            attrs["app_version"] = f"5.{rng.randrange(0, 9)}.{rng.randrange(0, 20)}"
            attrs["device_os"] = rng.choice(("ios", "android"))
        attrs["channel_origin"] = channel
        return attrs

    def finish(self) -> None:
        folder = self.out_dir / "crm"
        folder.mkdir(parents=True, exist_ok=True)
        last = ""
        with open(folder / "events.ndjson", "w", encoding="utf-8", newline="") as fh:
            for _day, lines in self.spool.days():
                fh.write("\n".join(lines))
                fh.write("\n")
                last = lines[-1] if lines else last
            if last:
                # the archive was exported while a delivery was being written: its last line is cut off
                # mid-record (the loaders must reject it and keep everything before it)
                fh.write(last[: len(last) // 2])
                self.truncated = 1
