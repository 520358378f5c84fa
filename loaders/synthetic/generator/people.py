"""The people behind every record (latent truth) and their messy customer records in four systems."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from loaders.synthetic.generator import names as N
from loaders.synthetic.generator.profiles import REFERENCE_EPOCH_S
from loaders.synthetic.generator.textmess import (
    case_mess,
    csv_line,
    email_mess,
    fold,
    nickname,
    phone_as,
    space_mess,
    typo,
)
from loaders.synthetic.generator.timeutil import iso_s

if TYPE_CHECKING:
    from loaders.synthetic.generator.corrupt import HeavyNoise

SYSTEMS = ("crm", "erp", "web", "telephony")

# Canonical columns each system exports, then that system's own (non-canonical) columns.
COLUMNS: dict[str, list[str]] = {
    "crm": [
        "source_record_id", "account_id", "first_name", "last_name", "email", "phone", "date_of_birth",
        "street", "city", "postcode", "country", "updated_at", "lead_source", "marketing_opt_in", "owner_region",
    ],
    "erp": [
        "source_record_id", "account_id", "first_name", "last_name", "phone", "date_of_birth", "street",
        "city", "postcode", "country", "updated_at", "loyalty_tier", "preferred_language", "last_purchase_date",
    ],
    "web": [
        "source_record_id", "first_name", "last_name", "email", "phone", "postcode", "country", "updated_at",
        "signup_channel", "newsletter_opt_in", "last_login_at",
    ],
    "telephony": [
        "source_record_id", "account_id", "first_name", "last_name", "phone", "updated_at", "callerid_name",
        "line_type", "do_not_call",
    ],
}  # fmt: skip

COUNTRY_LABELS = {
    "crm": {"US": "US", "CA": "CA", "GB": "GB"},
    "erp": {"US": "USA", "CA": "CANADA", "GB": "UNITED KINGDOM"},
    "web": {"US": "United States", "CA": "Canada", "GB": "United Kingdom"},
}
CHANNEL_ORIGINS = ["web_portal", "mobile_app", "email", "phone", "store"]
LEAD_SOURCES = ["WEB_FORM", "PARTNER", "EVENT", "PURCHASED_LIST", "REFERRAL"]

# share of people each system knows (≈1.6 records per person with the fallback and old CRM records)
_SYSTEM_SHARE = (("crm", 0.63), ("erp", 0.35), ("web", 0.28), ("telephony", 0.18))
_STALE_FROM = 1_640_995_200  # 2022-01-01
_FRESH_FROM = 1_748_736_000  # 2025-06-01


class Person:
    """One real human. Everything here is truth; files only ever show messy projections of it."""

    __slots__ = (
        "idx", "person_id", "first", "last", "dob", "email", "phone", "street", "city", "state", "postcode",
        "country", "tz", "engagement", "converts_after", "channel_pref", "hour_pref", "account_id",
        "old_account_id", "crm_id", "old_crm_id", "old_email", "old_phone", "old_street", "old_postcode",
        "old_last", "lead_source", "unicode_name",
    )  # fmt: skip

    def __init__(self) -> None:
        self.crm_id: str | None = None
        self.old_crm_id: str | None = None
        self.old_account_id: str | None = None
        self.old_email: str | None = None
        self.old_phone: str | None = None
        self.old_street: str | None = None
        self.old_postcode: str | None = None
        self.old_last: str | None = None

    @property
    def has_changes(self) -> bool:
        return bool(self.old_email or self.old_phone or self.old_street or self.old_last)


class _Unique:
    """Draws unique identifiers deterministically (retries on collision)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def draw(self, make: Callable[[], str]) -> str:
        while True:
            value = make()
            if value not in self.used:
                self.used.add(value)
                return value


def _us_phone(rng: random.Random, area_codes: list[str]) -> str:
    exch = rng.randrange(200, 1000)
    if exch % 100 == 11:
        exch += 1
    return f"+1{rng.choice(area_codes)}{exch}{rng.randrange(10000):04d}"


def _uk_phone(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"+44207{rng.randrange(10_000_000):07d}"
    return f"+4477{rng.randrange(10**8):08d}"


def _address(rng: random.Random, country: str, postcode_area: str) -> tuple[str, str]:
    if country == "GB":
        suffix = rng.choice(N.UK_STREET_SUFFIX)[0]
        street = f"{rng.randrange(1, 200)} {rng.choice(N.STREET_NAMES)} {suffix}"
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        postcode = f"{postcode_area} {rng.randrange(1, 10)}{rng.choice(letters)}{rng.choice(letters)}"
        return street, postcode
    suffix = rng.choice(N.US_STREET_SUFFIX)[0]
    street = f"{rng.randrange(1, 9999)} {rng.choice(N.STREET_NAMES)} {suffix}"
    if country == "CA":
        return street, f"{postcode_area} {rng.randrange(1, 10)}{rng.choice('ABCEGHJKLMNPRSTVXY')}{rng.randrange(10)}"
    return street, f"{postcode_area}{rng.randrange(100):02d}"


def make_people(rng: random.Random, count: int) -> list[Person]:
    """Draw ``count`` people with identities, a household structure, history and latent engagement."""
    emails = _Unique()
    accounts = _Unique()
    names = N.NameSampler()
    people: list[Person] = []
    for idx in range(count):
        p = Person()
        p.idx = idx
        p.person_id = f"P{idx + 1:07d}"
        r = rng.random()
        if r < 0.04:
            p.country, p.tz = "GB", "Europe/London"
        elif r < 0.06:
            p.country, p.tz = "US", "Europe/Berlin"  # expats: US phone and address, European clock
        elif r < 0.075:
            p.country, p.tz = "US", "Asia/Kolkata"
        elif r < 0.095:
            p.country, p.tz = "CA", "America/Toronto"
        else:
            p.country, p.tz = "US", ""
        if p.country == "GB":
            city, area = rng.choice(N.UK_CITIES)
            p.city, p.state, p.phone = city, "", _uk_phone(rng)
        else:
            city, state, area, codes, tz = rng.choice(N.CA_CITIES if p.country == "CA" else N.US_CITIES)
            p.city, p.state, p.phone = city, state, _us_phone(rng, codes)
            if not p.tz:
                p.tz = tz
        p.street, p.postcode = _address(rng, p.country, area)
        p.unicode_name = rng.random() < 0.03
        if p.unicode_name and rng.random() < 0.5:
            p.first, p.last = rng.choice(N.ACCENTED_FIRST), names.last(rng)
        elif p.unicode_name:
            p.first, p.last = names.first(rng), rng.choice(N.ACCENTED_LAST)
        else:
            p.first, p.last = names.first(rng), names.last(rng)
        # households: ~3 % share phone and address with the previous person (a partner or relative)
        if idx and rng.random() < 0.03 and people[-1].country == p.country:
            prev = people[-1]
            p.phone, p.street, p.city, p.state, p.postcode, p.tz = (
                prev.phone, prev.street, prev.city, prev.state, prev.postcode, prev.tz,
            )  # fmt: skip
            if rng.random() < 0.7:
                p.last = prev.last
        year = rng.randrange(1945, 2005)
        p.dob = f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        base = fold(p.first).lower().replace("'", ""), fold(p.last).lower().replace("'", "")
        p.email = emails.draw(lambda b=base: _email(rng, *b))
        p.account_id = accounts.draw(lambda: f"ACC-{rng.randrange(10**9):09d}")
        p.engagement = round(rng.betavariate(2.0, 3.5), 4)
        # future conversion (the propensity label): a steep logistic in latent engagement, so the label is
        # mostly decided by engagement (AUC of the latent itself ≈ 0.9) with some noise
        p.converts_after = 1 if rng.random() < 0.01 + 0.9 / (1 + math.exp(-12 * (p.engagement - 0.62))) else 0
        p.channel_pref = rng.choices(CHANNEL_ORIGINS, weights=(35, 25, 20, 10, 10))[0]
        p.hour_pref = rng.choice((8, 9, 10, 11, 12, 13, 17, 18, 19, 20, 21))
        p.lead_source = rng.choice(LEAD_SOURCES)
        # history: values that were true earlier and still sit in stale records
        if rng.random() < 0.06:
            p.old_email = emails.draw(lambda b=base: _email(rng, *b))
        if rng.random() < 0.05:
            p.old_phone = _uk_phone(rng) if p.country == "GB" else _us_phone(rng, ["212", "312", "415", "617"])
        if rng.random() < 0.08:
            p.old_street, p.old_postcode = _address(rng, p.country, p.postcode[:3])
        if rng.random() < 0.02:
            p.old_last = names.last(rng)
        people.append(p)
    return people


def _email(rng: random.Random, first: str, last: str) -> str:
    style = rng.randrange(4)
    if style == 0:
        local = f"{first}.{last}"
    elif style == 1:
        local = f"{first}{last}{rng.randrange(10, 100)}"
    elif style == 2:
        local = f"{first[0]}{last}{rng.randrange(1, 1000) if rng.random() < 0.5 else ''}"
    else:
        local = f"{first}_{last}{rng.randrange(1, 100)}"
    return f"{local}@{rng.choice(N.EMAIL_DOMAINS)}"


def _id_makers(rng: random.Random) -> dict[str, Callable[[], str]]:
    alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return {
        "crm": lambda: "00Q" + "".join(rng.choice(alphabet) for _ in range(9)),
        "erp": lambda: f"E{rng.randrange(10**8):08d}",
        "web": lambda: f"web-{rng.getrandbits(40):010x}",
        "telephony": lambda: f"TEL-{rng.randrange(10**7):07d}",
    }


def write_customer_files(
    rng: random.Random,
    people: list[Person],
    out_dir: Path,
    truth_writer: Callable[[str, str, str], None],
    heavy: HeavyNoise | None = None,
) -> dict[str, int]:
    """Write customers/customers_<system>.csv (sorted by source_record_id) and report rows per system.

    Sets ``crm_id`` / ``old_crm_id`` / ``old_account_id`` on people (the conversion and touch files
    reference CRM ids). With ``heavy`` (``--noise heavy``) every record is corrupted by it and, once every
    standard record is drawn, people get extra duplicate records from its own random stream (so the
    standard draws, ids and everything derived from them stay as without it).
    """
    ids = _Unique()
    accounts = _Unique()
    accounts.used.update(p.account_id for p in people)
    rows: dict[str, list[tuple[str, str]]] = {s: [] for s in SYSTEMS}
    makers = _id_makers(rng)
    systems_of: list[list[str]] = []
    for p in people:
        systems = [s for s, prob in _SYSTEM_SHARE if rng.random() < prob]
        if not systems:
            systems = ["crm"]
        records: list[tuple[str, bool, str | None]] = [(s, False, None) for s in systems]
        if "crm" in systems and rng.random() < 0.05:
            # an older CRM record of the same person under a different (previous) account id
            p.old_account_id = accounts.draw(lambda: f"ACC-{rng.randrange(10**9):09d}")
            records.append(("crm", True, p.old_account_id))
        tie = len(records) > 1 and p.has_changes and rng.random() < 0.25
        fresh_time = rng.randrange(_FRESH_FROM, REFERENCE_EPOCH_S - 86_400)
        for n, (system, is_old, old_acc) in enumerate(records):
            stale = is_old or (p.has_changes and rng.random() < 0.35)
            if tie and n < 2:
                stale, updated = n == 1, fresh_time  # same-second conflict across two systems
            elif stale:
                updated = rng.randrange(_STALE_FROM, _FRESH_FROM)
            else:
                updated = rng.randrange(_FRESH_FROM, REFERENCE_EPOCH_S - 86_400)
            rec_id = ids.draw(makers[system])
            if system == "crm":
                if is_old:
                    p.old_crm_id = rec_id
                else:
                    p.crm_id = rec_id
            truth_writer(system, rec_id, p.person_id)
            fields = _record_fields(rng, p, system, rec_id, stale, old_acc or p.account_id, updated)
            if heavy is not None:
                fields = heavy.corrupt(system, rec_id, p.person_id, fields, extra=False)
            rows[system].append((rec_id, csv_line(fields)))
        if heavy is not None:
            systems_of.append(systems)
    if heavy is not None:
        _extra_duplicates(heavy, people, systems_of, ids, rows, truth_writer)
    counts: dict[str, int] = {}
    folder = out_dir / "customers"
    folder.mkdir(parents=True, exist_ok=True)
    for system in SYSTEMS:
        lines = sorted(rows[system])
        with open(folder / f"customers_{system}.csv", "w", encoding="utf-8", newline="") as fh:
            fh.write(csv_line(COLUMNS[system]))
            fh.writelines(line for _, line in lines)
        counts[system] = len(lines)
        rows[system] = []
    return counts


def _extra_duplicates(
    heavy: HeavyNoise,
    people: list[Person],
    systems_of: list[list[str]],
    ids: _Unique,
    rows: dict[str, list[tuple[str, str]]],
    truth_writer: Callable[[str, str, str], None],
) -> None:
    """Extra records of the same person inside a system (--noise heavy), all drawn from the heavy stream."""
    hrng = heavy.rng
    makers = _id_makers(hrng)
    for p, systems in zip(people, systems_of, strict=True):
        for system in heavy.extra_systems(systems):
            stale = p.has_changes and hrng.random() < 0.35
            if stale:
                updated = hrng.randrange(_STALE_FROM, _FRESH_FROM)
            else:
                updated = hrng.randrange(_FRESH_FROM, REFERENCE_EPOCH_S - 86_400)
            rec_id = ids.draw(makers[system])
            truth_writer(system, rec_id, p.person_id)
            fields = _record_fields(hrng, p, system, rec_id, stale, p.account_id, updated)
            fields = heavy.corrupt(system, rec_id, p.person_id, fields, extra=True)
            rows[system].append((rec_id, csv_line(fields)))


def _record_fields(
    rng: random.Random, p: Person, system: str, rec_id: str, stale: bool, account_id: str, updated: int
) -> list[str]:
    first = p.first
    last = (p.old_last or p.last) if stale else p.last
    email = (p.old_email or p.email) if stale else p.email
    phone = (p.old_phone or p.phone) if stale else p.phone
    street = (p.old_street or p.street) if stale else p.street
    postcode = (p.old_postcode or p.postcode) if stale else p.postcode
    r = rng.random()
    nick_p = {"crm": 0.06, "erp": 0.03, "web": 0.2, "telephony": 0.1}[system]
    if r < nick_p:
        first = nickname(rng, first)
    elif r < nick_p + 0.05:
        first = typo(rng, first)
    if rng.random() < 0.015:
        last = typo(rng, last)
    if p.unicode_name and system in ("erp", "telephony"):
        first, last = fold(first), fold(last)  # legacy systems strip accents
    uk_national = system == "erp"  # the ERP is run by the UK subsidiary: national format for UK numbers
    updated_at = iso_s(updated)
    if system == "crm":
        return [
            rec_id, account_id,
            space_mess(rng, case_mess(rng, first)), space_mess(rng, case_mess(rng, last)),
            "" if rng.random() < 0.08 else space_mess(rng, email_mess(rng, email)),
            "" if rng.random() < 0.1 else phone_as(rng, phone, (0, 0, 3, 1), uk_national),
            "" if rng.random() < 0.3 else p.dob,
            street, p.city, postcode, COUNTRY_LABELS["crm"][p.country], updated_at,
            p.lead_source, rng.choice(("true", "false")), rng.choice(("NA-East", "NA-West", "EMEA")),
        ]  # fmt: skip
    if system == "erp":
        upper = rng.random() < 0.4
        return [
            rec_id, account_id if rng.random() < 0.9 else "",
            first.upper() if upper else space_mess(rng, first), last.upper() if upper else space_mess(rng, last),
            "" if rng.random() < 0.12 else phone_as(rng, phone, (1, 2, 2, 4), uk_national),
            "" if rng.random() < 0.2 else p.dob,
            street.upper() if upper else street, p.city.upper() if upper else p.city, postcode,
            COUNTRY_LABELS["erp"][p.country], updated_at,
            rng.choice(("bronze", "silver", "gold", "platinum")), "en-GB" if p.country == "GB" else "en-US",
            iso_s(rng.randrange(updated - 400 * 86_400, updated))[:10],
        ]  # fmt: skip
    if system == "web":
        return [
            rec_id, case_mess(rng, first, 0.02, 0.25), case_mess(rng, last, 0.02, 0.25),
            space_mess(rng, email_mess(rng, email), 0.06),
            phone_as(rng, phone, (1, 3, 4), uk_national) if rng.random() < 0.4 else "",
            postcode if rng.random() < 0.6 else "", COUNTRY_LABELS["web"][p.country], updated_at,
            rng.choice(("organic", "paid_social", "search", "referral")), rng.choice(("Y", "N")),
            iso_s(rng.randrange(updated, REFERENCE_EPOCH_S)),
        ]  # fmt: skip
    return [
        rec_id, account_id if rng.random() < 0.5 else "", case_mess(rng, first), case_mess(rng, last),
        phone_as(rng, phone, (1, 1, 1, 4), uk_national), updated_at,
        f"{fold(last).upper()[:12]} {fold(first).upper()[:1]}", rng.choice(("mobile", "landline", "voip")),
        "1" if rng.random() < 0.05 else "0",
    ]  # fmt: skip
