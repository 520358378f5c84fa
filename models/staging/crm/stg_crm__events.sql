with

deliveries as (

    select
        contact_id,
        event_type,
        event_timestamp,
        received_at,
        payload,
        _record_hash,
        _loaded_at
    from {{ source('crm', 'crm_events') }}

),

final as (

    select
        -- md5 of the delivery as received: landing the same line twice keeps one row
        _record_hash as delivery_key,
        nullif(trim(contact_id), '') as contact_id,
        nullif(trim(event_type), '') as crm_event_type,
        {{ to_utc('event_timestamp') }} as event_timestamp,
        {{ to_utc('received_at') }} as received_at,
        {{ json_get_text('payload', '$.headers."X-Request-Id"') }} as delivery_request_id,
        {{ json_get_text('payload', '$.body.attributes.crm_record_id') }} as crm_record_id,
        {{ json_get('payload', '$.body.attributes') }} as attributes,
        _loaded_at
    from deliveries

)

select * from final
