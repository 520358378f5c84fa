{{ config(
    materialized='incremental',
    unique_key='event_key',
    post_hook="{% if is_incremental() %}{{ delete_rows(this, 'event_key not in (select event_key from '
               ~ ref('int_engagement__event_fates') ~ ' where fate = ' ~ dbt.string_literal('valid') ~ ')') }}{% endif %}"
) }}
{#-
    Incremental (issue 16): a row depends on its event, its fate and its contact's keys; event_sequence on every
    valid event of its contact. A run rebuilds every event of the contacts (current or stored contact_key) with
    an event delivered since the last run (watermark: the largest last_loaded_at), an event that became valid
    or stopped being valid (a fate is measured against the reference time), or an event whose contact_key or
    customer_key changed (identity merged or split its customer); the post-hook deletes the events that are no
    longer valid. A table from before the watermark column is built whole (every key replaced).
-#}
{%- set incremental = incremental_ready('last_loaded_at') %}
with

events as (

    select * from {{ ref('int_engagement__events_normalized') }}

),

fates as (

    select * from {{ ref('int_engagement__event_fates') }}

),

contacts as (

    select * from {{ ref('int_engagement__contact_map') }}

),

valid_events as (

    select
        events.event_key,
        events.request_id,
        events.contact_id,
        contacts.contact_key,
        contacts.customer_key,
        events.crm_event_kind,
        events.event_type,
        events.crm_record_id,
        events.event_timestamp,
        events.first_received_at,
        events.last_received_at,
        events.delivery_count,
        events.has_conflicting_retries,
        fates.arrival_lag_seconds,
        events.attributes,
        events.transaction_value,
        events.payment_status,
        events.product_category,
        events.product_sku,
        events.channel_origin,
        events.manifest_version,
        events.uses_deprecated_fields,
        events.last_loaded_at
    from events
    inner join fates
        on events.event_key = fates.event_key
    inner join contacts
        on events.contact_id = contacts.contact_id
    where fates.fate = 'valid'

),

{%- if incremental %}

    stored as (

        select
            event_key,
            contact_key,
            customer_key
        from {{ this }}

    ),

    affected_contacts as (

        select valid_events.contact_key
        from valid_events
        left join stored
            on valid_events.event_key = stored.event_key
        where
            valid_events.last_loaded_at > {{ incremental_watermark('last_loaded_at') }}
            or stored.event_key is null
            or stored.contact_key <> valid_events.contact_key
            or stored.customer_key is distinct from valid_events.customer_key

        union

        select stored.contact_key
        from stored
        left join valid_events
            on stored.event_key = valid_events.event_key
        where valid_events.event_key is null or stored.contact_key <> valid_events.contact_key

    ),
{%- endif %}

final as (

    select
        *,
        row_number() over (
            partition by contact_key order by event_timestamp, crm_record_id, event_key
        ) as event_sequence
    from valid_events
    {%- if incremental %}
        -- every event of an affected contact, so the sequence is numbered over all of them
        where contact_key in (select affected_contacts.contact_key from affected_contacts)
    {%- endif %}

)

select * from final
