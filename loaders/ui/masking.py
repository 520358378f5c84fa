"""PII masks for the dashboards: what a reviewer sees unless the app runs with ``--show-pii``.

Each mask keeps just enough to compare two records by eye (an initial, an email domain, the last two digits of
a phone, a birth decade, a postcode district) and never the value itself. The comparison levels and weights
shown beside them come from the model, which compared the real values.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

DOT = "•"
PII_FIELDS = ("first_name", "last_name", "email", "phone_e164", "date_of_birth", "street", "postcode", "city",
              "account_id")


def _blank(value: Any) -> bool:
    """None, NaN, NaT (pandas' missing values) or only white space."""
    if value is None:
        return True
    try:
        if value != value:  # NaN and NaT are not equal to themselves
            return True
    except (TypeError, ValueError):
        pass
    return str(value).strip() in ("", "NaT", "nan", "None")


def mask_name(value: Any) -> str:
    if _blank(value):
        return ""
    text = str(value).strip()
    return text[0].upper() + DOT * 3


def mask_email(value: Any) -> str:
    if _blank(value):
        return ""
    text = str(value).strip()
    local, _, domain = text.partition("@")
    return (local[:1] + DOT * 3 + "@" + domain) if domain else DOT * 3


def mask_phone(value: Any) -> str:
    if _blank(value):
        return ""
    digits = re.sub(r"\D", "", str(value))
    return ("+" if str(value).startswith("+") else "") + DOT * max(len(digits) - 2, 3) + digits[-2:]


def mask_date_of_birth(value: Any) -> str:
    if _blank(value):
        return ""
    if isinstance(value, datetime | date):
        year = value.year
    else:
        match = re.search(r"(19|20)\d\d", str(value))
        if not match:
            return DOT * 3
        year = int(match.group(0))
    return f"{year // 10 * 10}s"


def mask_street(value: Any) -> str:
    return "" if _blank(value) else DOT * 6


def mask_postcode(value: Any) -> str:
    if _blank(value):
        return ""
    text = str(value).strip()
    head = text.split()[0] if " " in text else text[:2]
    return head + " " + DOT * 3


def mask_city(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()  # a city is shown in dim_customers_masked too


def mask_account_id(value: Any) -> str:
    if _blank(value):
        return ""
    text = str(value).strip()
    return DOT * 3 + text[-3:] if len(text) > 4 else DOT * 3


MASKS = {
    "first_name": mask_name,
    "last_name": mask_name,
    "email": mask_email,
    "phone_e164": mask_phone,
    "date_of_birth": mask_date_of_birth,
    "street": mask_street,
    "postcode": mask_postcode,
    "city": mask_city,
    "account_id": mask_account_id,
}


def blank(value: Any) -> bool:
    return _blank(value)


def show(field: str | None, value: Any, show_pii: bool) -> str:
    """``value`` as the page shows it: as is with ``show_pii``, else masked (fields not in PII_FIELDS as is)."""
    if _blank(value):
        return ""
    if show_pii or field not in MASKS:
        return value.isoformat() if isinstance(value, datetime | date) else str(value)
    return MASKS[field](value)
