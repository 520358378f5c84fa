with entities as (
    select * from {{ ref('base_genesys__reference_latest') }}
    where entity_type = 'queue_members'
),

final as (
    select
        entity_key as queue_member_key,
        {{ json_get_text('entity', '$.queueId') }} as queue_id,
        {{ json_get_text('entity', '$.id') }} as user_id,
        {{ safe_cast(json_get_text('entity', '$.ringNumber'), 'integer') }} as ring_number,
        {{ json_get_text('entity', '$.joined') }} = 'true' as is_joined,
        {{ json_get_text('entity', '$.memberBy') }} as member_by,
        is_deleted,
        deleted_detected_at,
        first_landed_at,
        last_changed_at
    from entities
)

select * from final
