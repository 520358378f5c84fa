"""Campaign registry (seed 000) and marketing touches, drawn per person."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from loaders.synthetic.generator.ids import rng_uuid
from loaders.synthetic.generator.people import Person
from loaders.synthetic.generator.profiles import REFERENCE_EPOCH_S, WINDOW_START_S
from loaders.synthetic.generator.textmess import csv_line, email_mess, phone_as
from loaders.synthetic.generator.timeutil import date_of_s, local_to_utc, offset_str, utc_offset_minutes, wall_s

CAMPAIGN_COLUMNS = [
    "campaign_id", "campaign_name", "channel_type", "start_date", "end_date", "budget", "attribution_window_hours",
]  # fmt: skip
TOUCH_COLUMNS = ["touch_id", "campaign_id", "channel", "lead_id", "email", "phone", "touched_at_local", "utc_offset"]
DEFAULT_WINDOW_HOURS = 24

_THEMES = [
    ("SUMMER_SALE", "Summer Sale"), ("BACK_TO_SCHOOL", "Back to School"), ("FALL_PROMO", "Fall Promo"),
    ("LOYALTY_BOOST", "Loyalty Boost"), ("WINBACK", "Win-back"), ("PREMIUM_UPSELL", "Premium Upsell"),
    ("HOLIDAY_PREVIEW", "Holiday Preview"), ("FIBER_SWITCH", "Fiber Switch"), ("NEW_CUSTOMER", "New Customer"),
    ("REFERRAL", "Refer a Friend"), ("APP_LAUNCH", "App Launch"), ("BUNDLE_SAVE", "Bundle & Save"),
]  # fmt: skip
_CHANNEL_ABBR = {"Paid_Social": "SOC", "Search": "SEM", "Email": "EML", "Direct": "DM"}
_OUTBOUND = [("OB_RENEWALS", "Outbound Renewals"), ("OB_WINBACK", "Outbound Win-back"),
             ("OB_UPSELL", "Outbound Upsell"), ("OB_NEW_LEADS", "Outbound New Leads"),
             ("OB_PAYMENT_REMINDER", "Outbound Payment Reminder"), ("OB_SURVEY", "Outbound Survey")]  # fmt: skip


@dataclass
class Campaign:
    idx: int
    campaign_id: str
    name: str
    channel_type: str
    start_s: int
    end_s: int  # exclusive; the registry may leave end_date empty (still running)
    end_open: bool
    budget: str
    window_raw: str  # as exported ('' = default)
    outbound_campaign_id: str = ""
    contact_list_id: str = ""

    @property
    def window_hours(self) -> int:
        return int(self.window_raw) if self.window_raw else DEFAULT_WINDOW_HOURS

    @property
    def is_outbound(self) -> bool:
        return self.channel_type == "Outbound"


def make_campaigns(rng: random.Random) -> list[Campaign]:
    campaigns: list[Campaign] = []
    n_marketing = rng.randrange(22, 30)
    for i in range(n_marketing):
        code, title = _THEMES[i % len(_THEMES)]
        channel = rng.choice(("Paid_Social", "Search", "Email", "Email", "Direct"))
        campaigns.append(_campaign(rng, len(campaigns), f"{code}_{_CHANNEL_ABBR[channel]}_{i + 1:03d}",
                                   f"{title} ({channel.replace('_', ' ')}) #{i + 1}", channel))  # fmt: skip
    for code, title in _OUTBOUND:
        campaigns.append(_campaign(rng, len(campaigns), f"{code}_2026Q3", f"{title} 2026 Q3", "Outbound"))
    return campaigns


def _campaign(rng: random.Random, idx: int, cid: str, name: str, channel: str) -> Campaign:
    start_day = rng.randrange(WINDOW_START_S // 86_400 - 20, REFERENCE_EPOCH_S // 86_400 - 40)
    length = rng.randrange(30, 100)
    start_s = start_day * 86_400
    end_open = rng.random() < 0.1
    end_s = REFERENCE_EPOCH_S + 86_400 * 30 if end_open else start_s + length * 86_400
    if channel == "Outbound":
        start_s, end_s = min(start_s, WINDOW_START_S + 5 * 86_400), max(end_s, REFERENCE_EPOCH_S - 10 * 86_400)
    window = rng.choices(("24", "48", "72", "168", ""), weights=(64, 12, 10, 5, 9))[0]
    budget = f"{rng.randrange(20, 500) * 250:.2f}"
    c = Campaign(idx, cid, name, channel, start_s, end_s, end_open, budget, window)
    if channel == "Outbound":
        c.outbound_campaign_id = rng_uuid(rng)
        c.contact_list_id = rng_uuid(rng)
    return c


def write_campaigns(campaigns: list[Campaign], out_dir: Path) -> int:
    folder = out_dir / "marketing"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "campaigns.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write(csv_line(CAMPAIGN_COLUMNS))
        for c in campaigns:
            end = "" if c.end_open else date_of_s(c.end_s - 86_400)
            fh.write(csv_line([c.campaign_id, c.name, c.channel_type, date_of_s(c.start_s), end, c.budget,
                               c.window_raw]))  # fmt: skip
    return len(campaigns)


def local_time_in(rng: random.Random, tz: str, lo_s: int, hi_s: int, hours: tuple[int, int]) -> int:
    """A UTC second whose local wall time falls on a random day in [lo, hi) between hours[0] and hours[1]."""
    lo_day, hi_day = lo_s // 86_400, max(lo_s // 86_400 + 1, hi_s // 86_400)
    for _ in range(8):
        day = rng.randrange(lo_day, hi_day)
        local = day * 86_400 + rng.randrange(hours[0] * 3600, hours[1] * 3600)
        utc = local_to_utc(tz, local)
        if lo_s <= utc < hi_s:
            return utc
    return rng.randrange(lo_s, max(lo_s + 1, hi_s))


# A touch as kept in memory: (utc seconds, campaign idx, channel, person idx)
Touch = tuple[int, int, str, int]
_CHANNELS = {"Paid_Social": "ad_click", "Search": "ad_click", "Direct": "sms"}


def draw_touches(rng: random.Random, person: Person, count: int, marketing: list[Campaign]) -> list[Touch]:
    """A person's marketing touches: a few campaigns each, email opens sometimes followed by a click."""
    touches: list[Touch] = []
    if count <= 0:
        return touches
    mine = rng.sample(marketing, k=min(len(marketing), rng.choice((1, 1, 2, 2, 3))))
    while len(touches) < count:
        c = rng.choice(mine)
        lo, hi = max(c.start_s, WINDOW_START_S), min(c.end_s, REFERENCE_EPOCH_S - 600)
        if hi <= lo:
            continue
        t = local_time_in(rng, person.tz, lo, hi, (7, 23))
        if c.channel_type == "Email":
            touches.append((t, c.idx, "email_open", person.idx))
            if rng.random() < 0.35 + 0.4 * person.engagement and len(touches) < count:
                click = t + rng.randrange(20, 3 * 3600)
                if click < REFERENCE_EPOCH_S - 600:
                    touches.append((click, c.idx, "email_click", person.idx))
        else:
            touches.append((t, c.idx, _CHANNELS[c.channel_type], person.idx))
    return touches


def touch_row(rng: random.Random, touch_id: str, campaign_id: str, channel: str, person: Person, utc_s: int) -> str:
    """The row the marketing tool exports: lead id when it knows one, contact details as it stored them."""
    lead = person.crm_id if person.crm_id and rng.random() < (0.85 if channel == "ad_click" else 0.7) else ""
    email = phone = ""
    if channel in ("email_open", "email_click"):
        email = email_mess(rng, person.email)
    elif channel == "sms":
        phone = phone_as(rng, person.phone, (1, 1, 4), False)
    elif rng.random() < 0.3:
        email = email_mess(rng, person.email)
    offset = utc_offset_minutes(person.tz, utc_s)
    return csv_line([touch_id, campaign_id, channel, lead, email, phone, wall_s(utc_s + offset * 60),
                     offset_str(offset)])  # fmt: skip
