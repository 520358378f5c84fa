{{ config(materialized='incremental', unique_key='event_key') }}
{%- set incremental = incremental_ready('last_loaded_at') %}
-- Incremental: only deliveries landed after the last run are keyed. An event they belong to is ranked again
-- with its stored row standing in for its earlier deliveries: that row is their first delivery (by arrival),
-- carries their count, their last arrival and whether their bodies conflicted (when they did not, every earlier
-- body equals the first one's, `first_body_hash`), so the result equals ranking every delivery again.

with

deliveries as (

    select * from {{ ref('stg_crm__events') }}
    {%- if incremental %}
        where _loaded_at > {{ incremental_watermark('last_loaded_at') }}
    {%- endif %}

),

taxonomy as (

    select * from {{ ref('engagement_event_taxonomy') }}

),

classified as (

    select
        deliveries.delivery_key,
        deliveries.contact_id,
        deliveries.crm_event_type as crm_event_kind,
        taxonomy.event_type,
        deliveries.event_timestamp,
        deliveries.received_at,
        nullif(trim(deliveries.crm_record_id), '') as crm_record_id,
        deliveries.attributes,
        deliveries._loaded_at,
        {{ json_to_text('deliveries.attributes') }} as attributes_text
    from deliveries
    left join taxonomy
        on deliveries.crm_event_type = taxonomy.crm_event_kind

),

keyed as (

    select
        delivery_key,
        contact_id,
        crm_event_kind,
        event_type,
        event_timestamp,
        received_at,
        crm_record_id,
        attributes,
        _loaded_at,
        {{ engagement_request_id('contact_id', 'event_type', 'crm_record_id') }} as request_id,
        {{ sha256_hex(
            "coalesce(contact_id, '') || '|' || coalesce(crm_event_kind, '') || '|'"
            ~ " || coalesce(cast(event_timestamp as " ~ dbt.type_string() ~ "), '') || '|'"
            ~ " || coalesce(attributes_text, '')"
        ) }} as body_hash
    from classified

),

candidates as (

    select
        coalesce(request_id, body_hash) as event_key,
        request_id,
        delivery_key,
        contact_id,
        crm_event_kind,
        event_type,
        event_timestamp,
        received_at,
        received_at as last_received_at,
        crm_record_id,
        attributes,
        body_hash,
        1 as deliveries,
        false as had_conflicting_retries,
        _loaded_at
    from keyed
    {%- if incremental %}

        union all

        select
            event_key,
            request_id,
            first_delivery_key as delivery_key,
            contact_id,
            crm_event_kind,
            event_type,
            event_timestamp,
            first_received_at as received_at,
            last_received_at,
            crm_record_id,
            attributes,
            first_body_hash as body_hash,
            delivery_count as deliveries,
            has_conflicting_retries as had_conflicting_retries,
            last_loaded_at as _loaded_at
        from {{ this }}
        where event_key in (select coalesce(keyed.request_id, keyed.body_hash) from keyed)
    {%- endif %}

),

ranked as (

    select
        event_key,
        request_id,
        delivery_key,
        contact_id,
        crm_event_kind,
        event_type,
        event_timestamp,
        crm_record_id,
        attributes,
        body_hash,
        row_number() over (partition by event_key order by received_at, delivery_key) as delivery_rank,
        sum(deliveries) over (partition by event_key) as delivery_count,
        min(received_at) over (partition by event_key) as first_received_at,
        max(last_received_at) over (partition by event_key) as last_received_at,
        bool_or(had_conflicting_retries) over (partition by event_key)
        or min(body_hash) over (partition by event_key)
        <> max(body_hash) over (partition by event_key) as has_conflicting_retries,
        max(_loaded_at) over (partition by event_key) as last_loaded_at
    from candidates

),

final as (

    select
        event_key,
        request_id,
        delivery_key as first_delivery_key,
        contact_id,
        crm_event_kind,
        event_type,
        crm_record_id,
        event_timestamp,
        first_received_at,
        last_received_at,
        cast(delivery_count as bigint) as delivery_count,
        has_conflicting_retries,
        attributes,
        body_hash as first_body_hash,
        last_loaded_at
    from ranked
    where delivery_rank = 1

)

select * from final
