"""The source kinds the loaders know: where their files are, how they are read, which raw table they land in.

This is the code side of docs/sources.md; keep the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Format = Literal["json_pages", "ndjson", "csv"]

@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    globs: tuple[str, ...]
    description: str
    # JSON kinds: typed columns extracted from the document (column -> JSON path of a scalar), first one is the key.
    json_columns: tuple[tuple[str, str], ...] = ()
    # JSON kinds: json_columns that must be timestamps staging can read (a value that is not one is rejected at
    # landing), and those of them that must be present.
    timestamp_columns: tuple[str, ...] = ()
    required_columns: tuple[str, ...] = ()
    # CSV kinds: canonical columns, in order; the first `key_columns` must be present and non-empty.
    csv_columns: tuple[str, ...] = ()
    key_columns: tuple[str, ...] = ()
    has_source_system: bool = False
    aliases: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_json(self) -> bool:
        return bool(self.json_columns)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            name="genesys_conversations",
            table="genesys_conversations",
            globs=("genesys/conversations/**/*.json", "genesys/conversations/**/*.ndjson"),
            description="Genesys conversation details (job result pages, sync query pages or NDJSON)",
            json_columns=(
                ("conversation_id", "$.conversationId"),
                ("conversation_start", "$.conversationStart"),
                ("conversation_end", "$.conversationEnd"),
            ),
            timestamp_columns=("conversation_start", "conversation_end"),
            required_columns=("conversation_start",),
            aliases=("conversations",),
        ),
        Kind(
            name="genesys_interaction_events",
            table="genesys_interaction_events",
            globs=("genesys/events/**/*.ndjson",),
            description="Genesys event-stream notifications (interaction.completed)",
            json_columns=(
                ("entity_id", "$.entityId"),
                ("event_type", "$.eventType"),
                ("event_timestamp", "$.timestamp"),
            ),
            timestamp_columns=("event_timestamp",),
            required_columns=("event_timestamp",),
            aliases=("interaction-events", "events-stream"),
        ),
        Kind(
            name="genesys_reference",
            table="genesys_reference",
            globs=("genesys/reference/**/*.ndjson",),
            description="Genesys reference entities (users, queues, wrap-up codes, …) and deletion tombstones",
            json_columns=(
                ("entity_key", "$.entityKey"),
                ("entity_type", "$.entityType"),
            ),
            aliases=("reference",),
        ),
        Kind(
            name="genesys_user_details",
            table="genesys_user_details",
            globs=("genesys/users/**/*.ndjson",),
            description="Genesys users details (presence and routing-status records per user, users details jobs)",
            json_columns=(("user_id", "$.userId"),),
            aliases=("user-details", "users-status"),
        ),
        Kind(
            name="crm_customer_records",
            table="crm_customer_records",
            globs=("customers/customers_*.csv",),
            description="Customer records from CRM, ERP, web, telephony (one CSV per source system)",
            csv_columns=(
                "source_record_id",
                "account_id",
                "first_name",
                "last_name",
                "email",
                "phone",
                "date_of_birth",
                "street",
                "city",
                "postcode",
                "country",
                "updated_at",
            ),
            key_columns=("source_record_id",),
            has_source_system=True,
            aliases=("customers",),
        ),
        Kind(
            name="crm_conversions",
            table="crm_conversions",
            globs=("crm/conversions*.csv",),
            description="CRM conversions (LeadID, CampaignID, ConversionDate, ConversionValue, Status)",
            csv_columns=("ConversionID", "LeadID", "CampaignID", "ConversionDate", "ConversionValue", "Status"),
            key_columns=("ConversionID",),
            aliases=("conversions",),
        ),
        Kind(
            name="crm_events",
            table="crm_events",
            globs=("crm/events*.ndjson",),
            description="Offline CRM events (archived webhook deliveries)",
            json_columns=(
                ("contact_id", "$.body.contact_id"),
                ("event_type", "$.body.event_type"),
                ("event_timestamp", "$.body.event_timestamp"),
                ("received_at", "$.received_at"),
            ),
            aliases=("crm-events",),
        ),
        Kind(
            name="marketing_campaigns",
            table="marketing_campaigns",
            globs=("marketing/campaigns*.csv",),
            description="Marketing campaign registry",
            csv_columns=(
                "campaign_id",
                "campaign_name",
                "channel_type",
                "start_date",
                "end_date",
                "budget",
                "attribution_window_hours",
            ),
            key_columns=("campaign_id",),
            aliases=("campaigns",),
        ),
        Kind(
            name="marketing_touches",
            table="marketing_touches",
            globs=("marketing/touches*.csv",),
            description="Marketing touches (ad clicks, emails) in local time with UTC offsets",
            csv_columns=(
                "touch_id",
                "campaign_id",
                "channel",
                "lead_id",
                "email",
                "phone",
                "touched_at_local",
                "utc_offset",
            ),
            key_columns=("touch_id",),
            aliases=("touches",),
        ),
    )
}


def resolve_kind(name: str) -> Kind:
    """Find a kind by its name or an alias (`customers`, `conversations`, …)."""
    wanted = name.strip().lower().replace("-", "_")
    for kind in KINDS.values():
        if wanted == kind.name or wanted in {a.replace("-", "_") for a in kind.aliases}:
            return kind
    names = ", ".join(sorted([k.name for k in KINDS.values()] + [a for k in KINDS.values() for a in k.aliases]))
    raise KeyError(f"unknown source kind {name!r}; known kinds: {names}")
