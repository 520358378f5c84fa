"""Scale profiles (DESIGN.md) and volume resolution with per-entity overrides."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

REFERENCE_TIME = "2026-11-01T00:00:00Z"
# 2026-11-01T00:00:00Z in seconds since the epoch: the "now" of every generated data set.
REFERENCE_EPOCH_S = 1_793_491_200
WINDOW_DAYS = 120
WINDOW_START_S = REFERENCE_EPOCH_S - WINDOW_DAYS * 86_400


def dbt_reference_time(data_dir: Path | str | None = None) -> str:
    """The reference time as dbt's var reference_time / CX_REFERENCE_TIME take it (``2026-11-01 00:00:00``):
    the one in ``data_dir``'s manifest.json when given, else REFERENCE_TIME. Generated data ends at it, so
    dbt measures its windows from it, not from today."""
    value = REFERENCE_TIME
    if data_dir is not None:
        value = json.loads((Path(data_dir) / "manifest.json").read_text(encoding="utf-8"))["reference_time"]
    return value.replace("T", " ").removesuffix("Z")


@dataclass(frozen=True)
class Volumes:
    """Target volumes. Counts are targets: the generator draws around them (Poisson), except customers."""

    customers: int
    conversations: int
    touches: int
    conversions: int
    crm_events: int


PROFILES: dict[str, Volumes] = {
    "demo": Volumes(customers=2_000, conversations=10_000, touches=6_000, conversions=200, crm_events=10_000),
    "small": Volumes(customers=20_000, conversations=100_000, touches=60_000, conversions=2_000, crm_events=100_000),
    "large": Volumes(
        customers=1_000_000,
        conversations=1_000_000,
        touches=3_000_000,
        conversions=100_000,
        crm_events=5_000_000,
    ),
}

OVERRIDABLE = ("customers", "conversations", "touches", "conversions", "crm_events")


def resolve_volumes(profile: str, overrides: dict[str, int | None] | None = None) -> Volumes:
    """Profile volumes with overrides applied.

    Overriding only ``customers`` scales every other entity by the same factor (so ``--customers 300`` is
    a small, proportionate data set); an entity given explicitly keeps its explicit value.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    base = PROFILES[profile]
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    unknown = set(given) - set(OVERRIDABLE)
    if unknown:
        raise ValueError(f"unknown volume override(s): {', '.join(sorted(unknown))}")
    for key, value in given.items():
        if value < 0 or (key == "customers" and value < 1):
            raise ValueError(f"{key} must be positive, got {value}")
    if "customers" in given and given["customers"] != base.customers:
        factor = given["customers"] / base.customers
        base = Volumes(
            customers=given["customers"],
            conversations=round(base.conversations * factor),
            touches=round(base.touches * factor),
            conversions=round(base.conversions * factor),
            crm_events=round(base.crm_events * factor),
        )
    return replace(base, **given)
