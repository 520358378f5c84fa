with entities as (
    select * from {{ ref('base_genesys__reference_latest') }}
    where entity_type = 'divisions'
),

final as (
    select
        entity_key as division_id,
        {{ json_get_text('entity', '$.name') }} as division_name,
        {{ json_get_text('entity', '$.description') }} as division_description,
        {{ json_get_text('entity', '$.homeDivision') }} = 'true' as is_home_division,
        is_deleted,
        deleted_detected_at,
        first_landed_at,
        last_changed_at
    from entities
)

select * from final
