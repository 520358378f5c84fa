"""``--redact``: personal data in export payloads replaced by a marker, keys and everything else kept.

The rule follows the payload shapes the export marts build (models/marts/export/*.sql, exporter/targets.py):

* external_contacts (ContactEnrichRequest): ``contact.firstName`` / ``lastName`` / ``personalEmail``,
  ``contact.cellPhone.e164``, ``contact.address.address1`` / ``city`` / ``postalCode``, and the
  ``matchingIdentifiers[].value`` whose ``type`` is ``Phone`` or ``Email``. Kept: ids (customer_key, the
  CRM account id as ExternalId), ``countryCode``, schema, scores and tiers.
* outbound_contacts (WritableDialerContact): ``data.<phone column>`` (var export_outbound_phone_column, a key
  with "phone" in it). Kept: ids, ``callable``, ``phoneNumberStatus`` flags, tiers, windows, time zone.
* journey_external_events / participant_attributes carry ids, event types, CES and attribution values: kept,
  unless a value looks like personal data (below).

So: a string (or number) under a key that names personal data — name, email, phone, e164, address, street,
city, postal / post code, zip, birth — is replaced; an identifier object ``{"type": "Phone" | "Email", "value"}``
has its value replaced; anywhere else a string that *is* an e-mail address or an E.164 phone number is
replaced, and e-mail addresses or +… phone numbers inside free text are cut out of it (free-form CRM event
attributes). Booleans, nulls, objects and lists are never
replaced themselves (their contents are visited), so the structure, the keys and flags stay readable.
"""

from __future__ import annotations

import json
import re
from typing import Any

MARKER = "[redacted]"
PII_KEY = re.compile(r"(?i)(name|e-?mail|phone|e164|address|street|city|postal|post_?code|zip|birth|\bdob\b)")
PII_IDENTIFIER_TYPES = frozenset({"phone", "email", "cellphone", "homephone", "workphone", "otherphone"})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_EMBEDDED_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EMBEDDED_PHONE = re.compile(r"\+[1-9](?:[\s().-]?\d){6,14}")


def scrub(text: str) -> str:
    """``text`` with e-mail addresses and international (+…) phone numbers inside it replaced."""
    return _EMBEDDED_PHONE.sub(MARKER, _EMBEDDED_EMAIL.sub(MARKER, text))


def looks_personal(value: str) -> bool:
    return bool(_EMAIL.fullmatch(value.strip()) or _E164.fullmatch(re.sub(r"[\s().-]", "", value)))


def redact_value(value: Any, key: str = "") -> Any:
    """``value`` with personal data replaced by ``MARKER`` (``key``: the key it sits under)."""
    if isinstance(value, dict):
        is_identifier = str(value.get("type", "")).lower() in PII_IDENTIFIER_TYPES and "value" in value
        return {k: (MARKER if is_identifier and k == "value" and value[k] is not None else redact_value(v, k))
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(v, key) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (str, int, float)):
        if key and PII_KEY.search(key):
            return MARKER
        if isinstance(value, str):
            return MARKER if looks_personal(value) else scrub(value)
    return value


def redact_payload(payload: str) -> str:
    """A payload (JSON text, as the mart built it) with personal data replaced; text that is not JSON is
    replaced whole."""
    try:
        parsed = json.loads(payload)
    except ValueError:
        return MARKER
    return json.dumps(redact_value(parsed), ensure_ascii=False, separators=(",", ":"))


def personal_values(value: Any, key: str = "") -> set[str]:
    """The personal values ``redact_value`` would replace (to scrub them from an API message too)."""
    found: set[str] = set()
    if isinstance(value, dict):
        is_identifier = str(value.get("type", "")).lower() in PII_IDENTIFIER_TYPES
        for k, v in value.items():
            if is_identifier and k == "value" and isinstance(v, (str, int, float)) and not isinstance(v, bool):
                found.add(str(v))
            else:
                found |= personal_values(v, k)
    elif isinstance(value, list):
        for v in value:
            found |= personal_values(v, key)
    elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
        if (key and PII_KEY.search(key)) or (isinstance(value, str) and looks_personal(value)):
            found.add(str(value))
    return {v for v in found if v.strip()}


def redact_message(message: str, payload: str) -> str:
    """An API message with the payload's personal values (and anything that looks like an e-mail address
    or E.164 number) replaced: error messages can echo what was sent."""
    if not message:
        return message
    try:
        values = personal_values(json.loads(payload))
    except ValueError:
        values = set()
    for value in sorted(values, key=len, reverse=True):
        message = message.replace(value, MARKER)
    return scrub(message)
