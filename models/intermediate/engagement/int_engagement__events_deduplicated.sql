with

deliveries as (

    select * from {{ ref('stg_crm__events') }}

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
        {{ engagement_request_id('contact_id', 'event_type', 'crm_record_id') }} as request_id,
        {{ sha256_hex(
            "coalesce(contact_id, '') || '|' || coalesce(crm_event_kind, '') || '|'"
            ~ " || coalesce(cast(event_timestamp as " ~ dbt.type_string() ~ "), '') || '|'"
            ~ " || coalesce(attributes_text, '')"
        ) }} as body_hash
    from classified

),

ranked as (

    select
        coalesce(request_id, body_hash) as event_key,
        request_id,
        delivery_key,
        contact_id,
        crm_event_kind,
        event_type,
        event_timestamp,
        received_at,
        crm_record_id,
        attributes,
        body_hash,
        row_number() over (
            partition by coalesce(request_id, body_hash) order by received_at, delivery_key
        ) as delivery_rank,
        count(*) over (partition by coalesce(request_id, body_hash)) as delivery_count,
        min(received_at) over (partition by coalesce(request_id, body_hash)) as first_received_at,
        max(received_at) over (partition by coalesce(request_id, body_hash)) as last_received_at,
        min(body_hash) over (partition by coalesce(request_id, body_hash))
        <> max(body_hash) over (partition by coalesce(request_id, body_hash)) as has_conflicting_retries
    from keyed

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
        delivery_count,
        has_conflicting_retries,
        attributes
    from ranked
    where delivery_rank = 1

)

select * from final
