with entities as (
    select * from {{ ref('base_genesys__reference_latest') }}
    where entity_type = 'users'
),

final as (
    select
        entity_key as user_id,
        {{ json_get_text('entity', '$.name') }} as user_name,
        {{ json_get_text('entity', '$.division.id') }} as division_id,
        {{ json_get_text('entity', '$.state') }} as user_state,
        {{ json_get_text('entity', '$.department') }} as department,
        {{ json_get_text('entity', '$.title') }} as title,
        is_deleted,
        deleted_detected_at,
        first_landed_at,
        last_changed_at
    from entities
)

select * from final
