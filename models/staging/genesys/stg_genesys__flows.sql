with entities as (
    select * from {{ ref('base_genesys__reference_latest') }}
    where entity_type = 'flows'
),

final as (
    select
        entity_key as flow_id,
        {{ json_get_text('entity', '$.name') }} as flow_name,
        {{ json_get_text('entity', '$.type') }} as flow_type,
        {{ json_get_text('entity', '$.division.id') }} as division_id,
        {{ json_get_text('entity', '$.publishedVersion.id') }} as published_version,
        {{ json_get_text('entity', '$.active') }} = 'true' as is_active,
        is_deleted,
        deleted_detected_at,
        first_landed_at,
        last_changed_at
    from entities
)

select * from final
