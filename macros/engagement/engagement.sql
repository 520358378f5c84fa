{#- Engagement domain (seed 003): the exactly-once key, the logistic link and the tiers. -#}
{#-
    request_id: the deterministic idempotency key sent as X-Request-Id (seed 003 §2):
        lower-case hex SHA-256 of  contact_id || '|' || event_type || '|' || crm_record_id
    with contact_id the CRM id exactly as delivered (not the resolved customer, so identity merges never
    change an id already sent), event_type the taxonomy name ('crm.transaction' / 'crm.behavior') and
    crm_record_id as delivered. Example: sha256('00QBN2WJF4W9|crm.behavior|SES-00000001').
    Null when any part is missing (such an event cannot be sent exactly once and is rejected).
-#}
{% macro engagement_request_id(contact_id, event_type, crm_record_id) -%}
    case
        when {{ contact_id }} is not null and {{ event_type }} is not null and {{ crm_record_id }} is not null
            then {{ sha256_hex(contact_id ~ " || '|' || " ~ event_type ~ " || '|' || " ~ crm_record_id) }}
    end
{%- endmacro %}


{#- The profile's key: the resolved customer when identity knows the CRM id, else 'crm:' || the CRM id. -#}
{% macro engagement_contact_key(customer_key, crm_id) -%}
    coalesce({{ customer_key }}, 'crm:' || {{ crm_id }})
{%- endmacro %}


{#- Logistic link: 1 / (1 + e^(−logit)), the propensity score in [0, 1]. -#}
{% macro engagement_logistic(logit) -%}
    (1.0 / (1.0 + exp(-({{ logit }}))))
{%- endmacro %}


{#- Tier of a score: high ≥ engagement_tier_high (0.75), moderate ≥ engagement_tier_moderate (0.40), else low. -#}
{% macro engagement_tier(score) -%}
    case
        when {{ score }} >= {{ var('engagement_tier_high') }} then 'high'
        when {{ score }} >= {{ var('engagement_tier_moderate') }} then 'moderate'
        else 'low'
    end
{%- endmacro %}


{#- A literal one-column relation of the integers [start, stop) (snapshots, hours), portable SQL. -#}
{% macro engagement_integers(column_name, start, stop) -%}
    {%- for n in range(start, stop) %}
    select {{ n }} as {{ column_name }}{% if not loop.last %} union all{% endif %}
    {%- endfor %}
{%- endmacro %}


{#- The snapshots of the daily engagement models, newest first: reference_time ("now"), then the end of each
    earlier UTC day (its midnight: the last one strictly before reference_time, then a day before each), in all
    engagement_score_history_days. A reference_time at midnight gives reference_time − n days. Past snapshots
    sit on midnights, so a night's run meets the snapshots the night before computed, whatever its time of day:
    the incremental features compute the new ones only. -#}
{% macro engagement_snapshot_times() -%}
    {%- set last_midnight = "cast(cast(" ~ dateadd('second', -1, reference_time()) ~ " as date) as timestamp)" -%}
    {%- set times = [reference_time()] -%}
    {%- for n in range(1, var('engagement_score_history_days')) -%}
        {%- do times.append(dateadd('day', 1 - n, last_midnight)) -%}
    {%- endfor -%}
    {{ return(times) }}
{%- endmacro %}


{#- A snapshot's position in engagement_snapshot_times(): 0 for reference_time, n for the n-th midnight before. -#}
{% macro engagement_days_back(snapshot_at) -%}
    case
        when {{ snapshot_at }} = {{ reference_time() }} then 0
        else {{ days_between(snapshot_at, dateadd('second', -1, reference_time())) }} + 1
    end
{%- endmacro %}


{#- Rows of an incremental daily engagement model that a full build would not have: snapshots that left the
    window (or another reference time's) and contacts missing from `contacts` (a relation the model reads, with
    a contact_key column): an identity merge took their key. -#}
{% macro engagement_stale_rows(contacts) -%}
    snapshot_at not in ({{ engagement_snapshot_times() | join(', ') }})
    or contact_key not in (select contact_key from {{ contacts }})
{%- endmacro %}
