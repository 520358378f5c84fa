"""Heavy corruption of customer records (`cx generate --noise heavy`), for testing identity resolution on data
as messy as the published record-linkage benchmarks.

The model follows FEBRL's ``dsgen`` / GeCo (Christen & Vatsalan) and splink's synthetic data: every customer
record is an independent noisy observation of its person. Per record and per field, each corruption kind
below is drawn independently with the probability in ``RATES`` (a field that turns out missing gets no other
corruption). Heavy noise is applied on top of the standard noise (nicknames, case, spacing, phone formats,
blanks of the standard generator), to the records each system already has *and* to extra duplicates.

Corruption kinds (every applied corruption changes the value and never undoes an earlier one, so a value
differs from its clean value exactly when a corruption of it is logged; a kind that cannot change a value is
not applied and not logged):

``missing``
    the field is written blank.
``typo``
    1 edit (75 %) or 2 edits (25 %): keyboard-neighbour substitution (QWERTY; number row for digits),
    insertion of a neighbouring key, deletion, transposition of two adjacent characters. The first
    character is hit with 5 % of edits (people rarely mistype the first letter). On e-mails only the local
    part is edited; on phones only digits.
``phonetic``
    one spelling-by-ear change: ph↔f, hard c↔k, ck→k, -ie↔-y, ey→y, ou↔ow, ei↔ie, ee↔ea, ai↔ay, s↔z
    between vowels, x→ks, qu→kw, silent h (th/gh/wh/rh/kh→t/g/w/r/k, initial h dropped), sch→sh, tch→ch,
    i↔y between consonants, unstressed -an/-en/-on→-en/-an, final nd/rd↔nt/rt, rk→rc, double→single letter,
    single→double consonant between vowels or at the end after a vowel.
``ocr``
    one optical-recognition confusion: 0↔o, 1↔l, 1↔i, 5↔s, 8↔b, 2↔z, rn↔m, cl↔d, vv↔w, e↔c, u↔v, h↔b
    (digits become capital letters, letters become digits).
``swap_names`` (per record)
    first name and last name exchanged.
``swap_day_month``
    day and month of the birth date exchanged; applied only where the day is ≤ 12 and differs from the
    month (otherwise the error could not happen), so the effective rate is ≈ 0.39 × the configured one.
``digit``
    one digit of the birth date (decade, year, month or day digit) replaced so that the date stays a valid
    calendar date between 1900 and 2025 (the systems store a date type).
``transpose``
    two adjacent digits of YYYYMMDD exchanged, again only to another valid date.
``year``
    birth year ± 1.

Birth dates are then written in the layout of the source system (``DATE_LAYOUTS``: crm ``YYYYMMDD`` e.g.
19840317, erp ``DD/MM/YYYY`` e.g. 17/03/1984 — the ERP is run by a UK subsidiary) or, for
``OTHER_LAYOUT_SHARE`` of values, in another unambiguous layout (ISO ``1984-03-17`` or ``17 Mar 1984``);
``ocr`` on a date acts on the written text (so such values do not parse). web and telephony have no birth
date.

Extra duplicates: ``DUPLICATE_SHARE`` of people get 1 + k extra records (k ≥ 0 geometric with
continuation ``DUPLICATE_MORE``, at most ``DUPLICATE_MAX`` extras), each in a system the person already
has (weights ``DUPLICATE_SYSTEM_WEIGHTS``), each with new source_record_id and updated_at,
corrupted independently and listed in truth/person_records.csv with the true person_id.

Never corrupted: source_record_id, updated_at, country and the system-specific columns; account_id only ever
goes missing.

Truth: truth/customer_records_clean.csv has, for every customer record (standard and extra), the identity
values as standard noise wrote them (birth date as ISO YYYY-MM-DD) and the list of corruptions applied
(``field:kind`` separated by ``;``), so linkage errors can be explained record by record.

Measured on ``--profile demo --seed 42`` (given the standard blanks, which leave less to corrupt): corruptions
per record crm 2.5, erp 2.3, web 1.4, telephony 1.25 (FEBRL "typo-heavy" territory); 35 % of people have
extra duplicates, 0.55 extra records per person, 2.16 records per person (standard ≈ 1.6). Applied rates
equal the configured ones except ``phonetic`` (≈ 0.85 × configured: some names have no variant in
``PHONETIC``) and ``swap_day_month`` (≈ 0.4 × configured, by eligibility).

Everything is drawn from its own random stream (``{seed}:noise_heavy``), so standard output is untouched
and the non-customer files of a heavy data set equal those of the standard one.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from collections.abc import Callable

from loaders.synthetic.generator.people import COLUMNS

# field → corruption kind → probability per record (independent draws; see the module docstring)
RATES: dict[str, dict[str, float]] = {
    "first_name": {"missing": 0.05, "typo": 0.22, "phonetic": 0.15, "ocr": 0.06},
    "last_name": {"missing": 0.05, "typo": 0.22, "phonetic": 0.15, "ocr": 0.06},
    "email": {"missing": 0.10, "typo": 0.20},
    "phone": {"missing": 0.08, "typo": 0.14, "ocr": 0.05},
    "date_of_birth": {
        "missing": 0.08, "swap_day_month": 0.15, "digit": 0.10, "transpose": 0.06, "year": 0.10, "ocr": 0.04,
    },  # fmt: skip
    "street": {"missing": 0.05, "typo": 0.22, "ocr": 0.04},
    "city": {"missing": 0.05, "typo": 0.15, "ocr": 0.03},
    "postcode": {"missing": 0.06, "typo": 0.12, "ocr": 0.06},
    "account_id": {"missing": 0.10},
}
RECORD_RATES: dict[str, float] = {"swap_names": 0.06}
DUPLICATE_SHARE = 0.35  # people with at least one extra duplicate record
DUPLICATE_MORE = 0.4  # chance of each further extra (geometric), capped at DUPLICATE_MAX
DUPLICATE_MAX = 4
DUPLICATE_SYSTEM_WEIGHTS = {"crm": 3, "erp": 3, "web": 1, "telephony": 1}
DATE_LAYOUTS: dict[str, str] = {"crm": "%Y%m%d", "erp": "%d/%m/%Y"}
OTHER_LAYOUTS: tuple[str, ...] = ("%Y-%m-%d", "%d %b %Y")
OTHER_LAYOUT_SHARE = 0.04
TYPO_TWO_EDITS = 0.25
TYPO_FIRST_CHAR = 0.05
TYPO_OPS = (("substitute", 0.35), ("insert", 0.2), ("delete", 0.25), ("transpose", 0.2))

CLEAN_COLUMNS = [
    "source_system", "source_record_id", "person_id", "extra_duplicate", "first_name", "last_name", "email",
    "phone", "date_of_birth", "street", "city", "postcode", "account_id", "corruptions",
]  # fmt: skip
_IDENTITY = CLEAN_COLUMNS[4:13]

_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def _neighbours() -> dict[str, str]:
    near: dict[str, set[str]] = {}
    for r, row in enumerate(_ROWS):
        for i, ch in enumerate(row):
            cand = set()
            for rr, offsets in ((r, (-1, 1)), (r - 1, (0, 1)), (r + 1, (-1, 0))):
                if 0 <= rr < len(_ROWS):
                    for o in offsets:
                        if 0 <= i + o < len(_ROWS[rr]):
                            cand.add(_ROWS[rr][i + o])
            near[ch] = cand
    return {k: "".join(sorted(v)) for k, v in near.items()}


NEIGHBOURS = _neighbours()
_DIGIT_NEIGHBOURS = {d: "".join(c for c in NEIGHBOURS[d] if c.isdigit()) for d in "0123456789"}

# (regex on the lower-cased text, replacement template)
PHONETIC: list[tuple[str, str]] = [
    ("ph", "f"), ("f", "ph"), ("ck", "k"), ("c(?=[aoulr])", "k"), ("k(?=[aoulr])", "c"), ("c$", "k"),
    ("ie$", "y"), ("(?<=[^aeiou])y$", "ie"), ("ey$", "y"), ("ou", "ow"), ("ow", "ou"), ("ei", "ie"), ("ie", "ei"),
    ("ee", "ea"), ("ea", "ee"), ("ai", "ay"), ("ay", "ai"), ("(?<=[aeiou])s(?=[aeiou])", "z"),
    ("(?<=[aeiou])z(?=[aeiou])", "s"), ("x", "ks"), ("qu", "kw"), ("th", "t"), ("gh", "g"), ("wh", "w"),
    ("rh", "r"), ("kh", "k"), ("^h(?=[aeiou])", ""), ("sch", "sh"), ("tch", "ch"),
    (r"([b-df-hj-np-tv-z])\1", r"\1"), (r"(?<=[aeiouy])([bdfglmnprst])(?=[aeiouy])", r"\1\1"),
    ("(?<=[aeiouy])([lnrst])$", r"\1\1"), ("(?<=[^aeiou])i(?=[^aeiou])", "y"), ("(?<=[^aeiou])y(?=[^aeiou])", "i"),
    ("(?<=[^aeiou])an$", "en"), ("(?<=[^aeiou])en$", "an"), ("(?<=[^aeiou])on$", "en"), ("(?<=[nr])d$", "t"),
    ("(?<=[nr])t$", "d"), ("(?<=r)k$", "c"),
]  # fmt: skip
_PHONETIC = [(re.compile(p), r) for p, r in PHONETIC]

# (text, what it is misread as); matched case-insensitively, the result takes the case of the text
OCR: list[tuple[str, str]] = [
    ("0", "O"), ("o", "0"), ("1", "l"), ("l", "1"), ("1", "I"), ("i", "1"), ("5", "S"), ("s", "5"), ("8", "B"),
    ("b", "8"), ("2", "Z"), ("z", "2"), ("rn", "m"), ("m", "rn"), ("cl", "d"), ("d", "cl"), ("vv", "w"),
    ("w", "vv"), ("e", "c"), ("c", "e"), ("u", "v"), ("v", "u"), ("h", "b"),
]  # fmt: skip


def _cased(repl: str, original: str, whole: str) -> str:
    """``repl`` in the case of the text it replaces (digits keep theirs; a letter replacing a digit is upper
    unless the text around is lower case)."""
    letters = [c for c in whole if c.isalpha()]
    if original.isalpha():
        if original.isupper() and (len(original) > 1 or all(c.isupper() for c in letters)):
            return repl.upper()
        if original[0].isupper():
            return repl[:1].upper() + repl[1:].lower()
        return repl.lower()
    if letters and all(c.islower() for c in letters):
        return repl.lower()
    return repl


def typo(rng: random.Random, text: str, eligible: Callable[[str], bool] | None = None) -> str:
    """1–2 keyboard edits on the characters for which ``eligible`` holds (default: not a space)."""
    ok = eligible or (lambda c: not c.isspace())
    chars = list(text)
    for _ in range(2 if rng.random() < TYPO_TWO_EDITS else 1):
        positions = [i for i, c in enumerate(chars) if ok(c)]
        if len(positions) < 2:
            break
        pos = positions[0] if rng.random() < TYPO_FIRST_CHAR else rng.choice(positions[1:])
        op = rng.choices([o for o, _ in TYPO_OPS], weights=[w for _, w in TYPO_OPS])[0]
        ch = chars[pos]
        near = _DIGIT_NEIGHBOURS.get(ch) if ch.isdigit() else NEIGHBOURS.get(ch.lower())
        if op == "delete" and len(positions) > 2:
            del chars[pos]
        elif op == "transpose" and pos + 1 < len(chars) and ok(chars[pos + 1]) and chars[pos + 1] != ch:
            chars[pos], chars[pos + 1] = chars[pos + 1], ch
        elif op == "insert" and near:
            new = rng.choice(near)
            chars.insert(pos + rng.randrange(2), new.upper() if ch.isupper() else new)
        elif near:  # substitute (also the fallback of an op that cannot apply here)
            new = rng.choice(near)
            chars[pos] = new.upper() if ch.isupper() else new
    return "".join(chars)


def _one_of(rng: random.Random, text: str, rules: list[tuple[re.Pattern[str], str]]) -> str:
    low = text.lower()
    spots = [(m, r) for pat, r in rules for m in pat.finditer(low)]
    if not spots:
        return text
    m, r = rng.choice(spots)
    a, b = m.span()
    return text[:a] + _cased(m.expand(r), text[a:b] or text[a : a + 1], text) + text[b:]


def phonetic(rng: random.Random, text: str) -> str:
    return _one_of(rng, text, _PHONETIC)


_OCR = [(re.compile(re.escape(a)), b) for a, b in OCR]


def ocr(rng: random.Random, text: str) -> str:
    return _one_of(rng, text, _OCR)


def _valid(digits: str) -> dt.date | None:
    if not digits.isdigit():
        return None
    try:
        d = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None
    return d if 1900 <= d.year <= 2025 else None


class HeavyNoise:
    """Corrupts customer records (``corrupt``) and draws extra duplicates (``extra_systems``), logging the clean
    values and the applied corruptions through ``write_clean`` (one list of CLEAN_COLUMNS values per record)."""

    def __init__(self, rng: random.Random, write_clean: Callable[[list[str]], None]) -> None:
        self.rng = rng
        self.write_clean = write_clean
        self.kinds: Counter[str] = Counter()
        self.records: Counter[str] = Counter()
        self.extra: Counter[str] = Counter()
        self.people_with_extra = 0

    def extra_systems(self, systems: list[str]) -> list[str]:
        """Systems of the extra duplicate records of a person who has records in ``systems``."""
        rng = self.rng
        if rng.random() >= DUPLICATE_SHARE:
            return []
        n = 1
        while n < DUPLICATE_MAX and rng.random() < DUPLICATE_MORE:
            n += 1
        weights = DUPLICATE_SYSTEM_WEIGHTS
        own = sorted(set(systems), key=list(weights).index)
        self.people_with_extra += 1
        return rng.choices(own, weights=[weights[s] for s in own], k=n)

    def corrupt(self, system: str, rec_id: str, person_id: str, fields: list[str], extra: bool) -> list[str]:
        rng = self.rng
        cols = COLUMNS[system]
        idx = {c: i for i, c in enumerate(cols)}
        out = list(fields)
        clean = {c: (fields[idx[c]] if c in idx else "") for c in _IDENTITY}
        applied: list[str] = []
        if rng.random() < RECORD_RATES["swap_names"]:
            f, la = out[idx["first_name"]], out[idx["last_name"]]
            if f and la and f != la:
                out[idx["first_name"]], out[idx["last_name"]] = la, f
                applied.append("name:swap_names")
        for field, rates in RATES.items():
            if field not in idx or not out[idx[field]]:
                continue
            value = out[idx[field]]
            if rng.random() < rates["missing"]:
                out[idx[field]] = ""
                applied.append(f"{field}:missing")
                continue
            if field == "date_of_birth":
                value, kinds = self._date(system, value, rates)
            else:
                kinds = []
                original = value
                for kind, p in rates.items():
                    if kind == "missing" or rng.random() >= p:
                        continue
                    new = self._apply(field, kind, value, original)
                    if new != value:
                        value = new
                        kinds.append(kind)
            out[idx[field]] = value
            applied.extend(f"{field}:{k}" for k in kinds)
        for a in applied:
            self.kinds[a] += 1
        self.records[system] += 1
        if extra:
            self.extra[system] += 1
        self.write_clean(
            [system, rec_id, person_id, "1" if extra else "0", *(clean[c] for c in _IDENTITY), ";".join(applied)]
        )
        return out

    def _apply(self, field: str, kind: str, value: str, original: str) -> str:
        """One corruption of ``kind``; a few tries for one that changes the value and does not undo an earlier
        corruption of the field (else the value is returned as is)."""
        for _ in range(5):
            new = self._apply_once(field, kind, value)
            if new not in (value, original):
                return new
        return value

    def _apply_once(self, field: str, kind: str, value: str) -> str:
        rng = self.rng
        if kind == "phonetic":
            return phonetic(rng, value)
        if kind == "ocr":
            if field == "phone":  # only digits are misread on a phone number
                return _one_of(rng, value, [(p, r) for p, r in _OCR if p.pattern.isdigit()])
            return ocr(rng, value)
        if field == "email":
            local, at, domain = value.partition("@")
            return typo(rng, local) + at + domain if len(local) > 1 else value
        if field == "phone":
            return typo(rng, value, str.isdigit)
        return typo(rng, value)

    def _date(self, system: str, iso: str, rates: dict[str, float]) -> tuple[str, list[str]]:
        """Errors on an ISO birth date, then the system's layout, then OCR on the written text."""
        rng = self.rng
        digits = original = iso.replace("-", "")
        kinds: list[str] = []
        for kind in ("swap_day_month", "digit", "transpose", "year"):
            if rng.random() >= rates[kind]:
                continue
            new = digits
            if kind == "swap_day_month":
                if int(digits[6:]) <= 12 and digits[4:6] != digits[6:]:
                    new = digits[:4] + digits[6:] + digits[4:6]
            elif kind == "year":
                years = [f"{int(digits[:4]) + d:04d}" + digits[4:] for d in (-1, 1)]
                new = rng.choice([y for y in years if y != original])
            else:
                for _ in range(20):
                    if kind == "digit":
                        pos = rng.randrange(2, 8)
                        cand = digits[:pos] + rng.choice("0123456789".replace(digits[pos], "")) + digits[pos + 1 :]
                    else:
                        pos = rng.randrange(2, 7)
                        cand = digits[:pos] + digits[pos + 1] + digits[pos] + digits[pos + 2 :]
                    if cand not in (digits, original) and _valid(cand):
                        new = cand
                        break
            if new not in (digits, original) and _valid(new):
                digits = new
                kinds.append(kind)
        day = _valid(digits)
        assert day is not None
        layout = DATE_LAYOUTS.get(system, "%Y-%m-%d")
        if rng.random() < OTHER_LAYOUT_SHARE:
            layout = rng.choice(OTHER_LAYOUTS)
        text = day.strftime(layout) if "%b" not in layout else f"{day.day:02d} {_MONTHS[day.month - 1]} {day.year}"
        if rng.random() < rates["ocr"]:
            new_text = _one_of(rng, text, [(p, r) for p, r in _OCR if p.pattern.isdigit()])
            if new_text != text:
                text = new_text
                kinds.append("ocr")
        return text, kinds

    def stats(self) -> dict[str, object]:
        total = sum(self.records.values())
        return {
            "records": dict(self.records),
            "extra_duplicates": dict(self.extra),
            "people_with_extra_duplicates": self.people_with_extra,
            "corruptions": dict(sorted(self.kinds.items())),
            "corruptions_per_record": round(sum(self.kinds.values()) / total, 3) if total else 0.0,
        }


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
