with entities as (
    select * from {{ ref('base_genesys__reference_latest') }}
    where entity_type = 'outbound_campaigns'
),

final as (
    select
        entity_key as outbound_campaign_id,
        {{ json_get_text('entity', '$.name') }} as outbound_campaign_name,
        {{ json_get_text('entity', '$.contactList.id') }} as contact_list_id,
        {{ json_get_text('entity', '$.queue.id') }} as queue_id,
        {{ json_get_text('entity', '$.division.id') }} as division_id,
        {{ json_get_text('entity', '$.dialingMode') }} as dialing_mode,
        {{ json_get_text('entity', '$.campaignStatus') }} as campaign_status,
        is_deleted,
        deleted_detected_at,
        first_landed_at,
        last_changed_at
    from entities
)

select * from final
