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

backfill_events as (

    select
        events.event_key,
        events.request_id,
        events.contact_id,
        contacts.contact_key,
        events.crm_event_kind,
        events.event_type,
        events.crm_record_id,
        events.event_timestamp,
        events.first_received_at,
        events.delivery_count,
        fates.arrival_lag_seconds / 3600.0 as arrival_lag_hours,
        {{ json_to_text('events.attributes') }} as attributes,
        events.transaction_value,
        events.channel_origin
    from events
    inner join fates
        on events.event_key = fates.event_key
    left join contacts
        on events.contact_id = contacts.contact_id
    where fates.fate = 'backfill'

),

final as (

    select
        event_key,
        request_id,
        contact_id,
        contact_key,
        crm_event_kind,
        event_type,
        crm_record_id,
        event_timestamp,
        first_received_at,
        delivery_count,
        arrival_lag_hours,
        attributes,
        transaction_value,
        channel_origin,
        cast(row_number() over (order by event_timestamp, crm_record_id, event_key) as bigint) as backfill_sequence
    from backfill_events

)

select * from final
