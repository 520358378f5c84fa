with entities as (
    select * from {{ ref('base_genesys__reference_latest') }}
    where entity_type = 'wrapup_codes'
),

final as (
    select
        entity_key as wrapup_code_id,
        {{ json_get_text('entity', '$.name') }} as wrapup_code_name,
        {{ json_get_text('entity', '$.division.id') }} as division_id,
        is_deleted,
        deleted_detected_at,
        first_landed_at,
        last_changed_at
    from entities
)

select * from final
