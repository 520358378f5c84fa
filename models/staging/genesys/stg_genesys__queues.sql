with entities as (
    select * from {{ ref('base_genesys__reference_latest') }}
    where entity_type = 'queues'
),

final as (
    select
        entity_key as queue_id,
        {{ json_get_text('entity', '$.name') }} as queue_name,
        {{ json_get_text('entity', '$.division.id') }} as division_id,
        {{ safe_cast(json_get_text('entity', '$.memberCount'), 'integer') }} as member_count,
        {{ json_get_text('entity', '$.acwSettings.wrapupPrompt') }} as acw_wrapup_prompt,
        {{ safe_cast(json_get_text('entity', '$.acwSettings.timeoutMs'), 'bigint') }} as acw_timeout_ms,
        {{ json_get_text('entity', '$.skillEvaluationMethod') }} as skill_evaluation_method,
        {{ iso_to_utc(json_get_text('entity', '$.dateCreated')) }} as queue_created_at,
        {{ iso_to_utc(json_get_text('entity', '$.dateModified')) }} as queue_modified_at,
        is_deleted,
        deleted_detected_at,
        first_landed_at,
        last_changed_at
    from entities
)

select * from final
