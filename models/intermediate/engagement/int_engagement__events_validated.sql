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

final as (

    select
        *,
        row_number() over (
            partition by contact_key order by event_timestamp, crm_record_id, event_key
        ) as event_sequence
    from valid_events

)

select * from final
