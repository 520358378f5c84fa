with events as (
    select
        entity_id,
        event_type,
        event_timestamp,
        payload,
        _loaded_at,
        _source_file,
        _source_line
    from {{ source('genesys', 'genesys_interaction_events') }}
),

parsed as (
    select
        entity_id as conversation_id,
        event_type,
        {{ iso_to_utc('event_timestamp') }} as event_at,
        {{ safe_cast(json_get_text('payload', '$.data.transferCount'), 'integer') }} as transfer_count,
        {{ json_get('payload', '$.data.transferHistory') }} as transfer_history,
        {{ safe_cast(json_get_text('payload', '$.data.totalQueueWaitTimeSeconds'), 'double') }}
            as total_queue_wait_seconds,
        {{ json_get_text('payload', '$.data.disposition') }} as disposition,
        _loaded_at,
        row_number() over (
            partition by entity_id, event_type, event_timestamp
            order by _loaded_at desc, _source_file desc, _source_line desc
        ) as delivery_rank
    from events
),

final as (
    select
        {{ surrogate_key(['conversation_id', 'event_type', 'event_at']) }} as interaction_event_key,
        conversation_id,
        event_type,
        event_at,
        transfer_count,
        case
            when {{ json_type_of('transfer_history') }} = 'ARRAY'
                then {{ json_array_length('transfer_history') }}
        end as transfer_history_length,
        total_queue_wait_seconds,
        disposition,
        case
            when event_at is null then 'timestamp is missing or not a timestamp'
            when transfer_count < 0 then 'transferCount is negative'
            when total_queue_wait_seconds < 0 then 'totalQueueWaitTimeSeconds is negative'
        end as quality_issue,
        _loaded_at
    from parsed
    where delivery_rank = 1
)

select * from final
