{#-
    The identifiers an event carries, in the one priority order every domain uses to find its customer
    (a whole select, used as a CTE body and read by resolve_customer_key):
      1 the CRM lead id — a source record of `lead_source_system` (default var('crm_source_system')),
      2 the account id, 3 the email, 4 the phone (E.164) as customer records hold them,
      5 the email and 6 the phone as interactions observed them (int_identity__observed_identifiers).
    `relation` is the events' relation, `event_id` its key column; pass the column of each identifier the
    event has (a missing kind is simply not offered). Null values are skipped.
-#}
{% macro customer_identifiers(relation, event_id, lead_id=none, account_id=none, email=none, phone_e164=none,
                              lead_source_system=none) -%}
    {%- set branches = [
        (1, 'source_record', lead_id, lead_source_system or var('crm_source_system')),
        (2, 'account_id', account_id, '*'),
        (3, 'email', email, '*'),
        (4, 'phone_e164', phone_e164, '*'),
        (5, 'observed_email', email, '*'),
        (6, 'observed_phone_e164', phone_e164, '*'),
    ] -%}
    {%- set ns = namespace(first=true) -%}
    {%- for priority, identifier_type, column, source_system in branches if column %}
    {% if not ns.first %}union all{% endif %}
    select
        {{ event_id }} as event_id,
        {{ priority }} as match_priority,
        '{{ identifier_type }}' as identifier_type,
        {{ column }} as identifier_value,
        '{{ source_system }}' as source_system
    from {{ relation }}
    where {{ column }} is not null
    {%- set ns.first = false %}
    {%- endfor %}
{%- endmacro %}
