with

events as (

    select * from {{ ref('int_engagement__events_normalized') }}

),

fates as (

    select * from {{ ref('int_engagement__event_fates') }}

),

final as (

    select
        events.event_key,
        events.request_id,
        events.contact_id,
        events.crm_event_kind,
        events.event_type,
        events.crm_record_id,
        events.event_timestamp,
        events.first_received_at,
        events.last_received_at,
        events.delivery_count,
        fates.reject_queue,
        fates.reject_reason,
        fates.reject_field,
        events.manifest_violations,
        fates.ahead_of_reference_seconds,
        {{ json_to_text('events.source_attributes') }} as source_attributes
    from events
    inner join fates
        on events.event_key = fates.event_key
    where fates.fate = 'reject'

)

select * from final
