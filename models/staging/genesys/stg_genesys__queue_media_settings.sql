-- One row per queue × media type the queue configures (Queue.mediaSettings): its service-level target.
-- mediaSettings keys name the media as routing does ('call'); conversations say 'voice': both are kept.
{%- set media = [('call', 'voice'), ('callback', 'callback'), ('chat', 'chat'), ('email', 'email'),
                 ('message', 'message')] %}
with queues as (
    select * from {{ ref('base_genesys__reference_latest') }}
    where entity_type = 'queues'
),

settings as (
    {%- for setting, media_type in media %}
        {%- set at = '$.mediaSettings.' ~ setting ~ '.' %}
        select
            entity_key as queue_id,
            '{{ setting }}' as media_setting,
            '{{ media_type }}' as media_type,
            {{ safe_cast(json_get_text('entity', at ~ 'serviceLevel.percentage'), 'double') }} as service_level_target,
            {{ safe_cast(json_get_text('entity', at ~ 'serviceLevel.durationMs'), 'bigint') }}
                as service_level_duration_ms,
            {{ safe_cast(json_get_text('entity', at ~ 'alertingTimeoutSeconds'), 'integer') }}
                as alerting_timeout_seconds,
            is_deleted
        from queues
        where {{ json_get_text('entity', at ~ 'serviceLevel.durationMs') }} is not null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        {{ surrogate_key(['queue_id', 'media_type']) }} as queue_media_key,
        queue_id,
        media_setting,
        media_type,
        service_level_target,
        service_level_duration_ms,
        alerting_timeout_seconds,
        is_deleted
    from settings
)

select * from final
