"""Ways real exports mangle names, phones and emails. Every function draws from the stream it is given."""

from __future__ import annotations

import random

from loaders.synthetic.generator.names import ASCII_FOLD, NICKNAMES

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def csv_line(fields: list[str]) -> str:
    """One CSV line (minimal quoting, '\\n' terminator); fields are already strings."""
    out = []
    for f in fields:
        if "," in f or '"' in f or "\n" in f or "\r" in f:
            f = '"' + f.replace('"', '""') + '"'
        out.append(f)
    return ",".join(out) + "\n"


def fold(text: str) -> str:
    return text.translate(ASCII_FOLD)


def typo(rng: random.Random, word: str) -> str:
    """One or two single-character edits (substitute, delete, insert, transpose), never on the first letter."""
    chars = list(word)
    for _ in range(1 if rng.random() < 0.75 else 2):
        if len(chars) < 3:
            break
        pos = rng.randrange(1, len(chars))
        op = rng.randrange(4)
        if op == 0:
            chars[pos] = rng.choice(_LETTERS)
        elif op == 1:
            del chars[pos]
        elif op == 2:
            chars.insert(pos, rng.choice(_LETTERS))
        elif pos < len(chars) - 1:
            chars[pos], chars[pos + 1] = chars[pos + 1], chars[pos]
        else:
            chars[pos - 1], chars[pos] = chars[pos], chars[pos - 1]
    return "".join(chars)


def nickname(rng: random.Random, first: str) -> str:
    options = NICKNAMES.get(first)
    return rng.choice(options) if options else first


def case_mess(rng: random.Random, text: str, upper: float = 0.05, lower: float = 0.05) -> str:
    r = rng.random()
    if r < upper:
        return text.upper()
    if r < upper + lower:
        return text.lower()
    return text


def space_mess(rng: random.Random, text: str, p: float = 0.04) -> str:
    if text and rng.random() < p:
        return rng.choice([" ", "  ", ""]) + text + rng.choice([" ", "", "  "])
    return text


def us_phone(e164: str, style: int) -> str:
    """'+15551234567' in one of the formats US exports use."""
    area, exch, line = e164[2:5], e164[5:8], e164[8:12]
    if style == 0:
        return f"({area}) {exch}-{line}"
    if style == 1:
        return e164
    if style == 2:
        return f"{area}.{exch}.{line}"
    if style == 3:
        return f"{area}-{exch}-{line}"
    if style == 4:
        return f"{area}{exch}{line}"
    return f"1-{area}-{exch}-{line}"


def uk_national(e164: str) -> str:
    """'+442079460958' → '020 7946 0958'; '+447700900123' → '07700 900123'."""
    national = "0" + e164[3:]
    if national.startswith("02"):
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    return f"{national[:5]} {national[5:]}"


def uk_international(e164: str) -> str:
    """'+442079460958' → '+44 20 7946 0958'."""
    rest = e164[3:]
    if rest.startswith("2"):
        return f"+44 {rest[:2]} {rest[2:6]} {rest[6:]}"
    return f"+44 {rest[:4]} {rest[4:]}"


def phone_as(rng: random.Random, e164: str, styles: tuple[int, ...], uk_national_format: bool) -> str:
    if e164.startswith("+44"):
        return uk_national(e164) if uk_national_format else rng.choice((e164, uk_international(e164)))
    return us_phone(e164, rng.choice(styles))


def email_mess(rng: random.Random, email: str) -> str:
    r = rng.random()
    if r < 0.08:
        local, _, domain = email.partition("@")
        return local.capitalize() + "@" + domain.capitalize()
    if r < 0.11:
        return email.upper()
    return email
