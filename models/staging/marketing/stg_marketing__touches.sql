{{ config(materialized='incremental', unique_key='touch_id') }}
{%- set incremental = incremental_ready('_loaded_at') %}
-- Incremental (issue 16): a touch is ranked again, over all its versions, when one was landed since the last
-- run; its latest version is the one landed last, so the stored _loaded_at is the watermark.
with

{%- if incremental %}

    changed as (

        select distinct trim(touch_id) as touch_id
        from {{ source('marketing', 'marketing_touches') }}
        where _loaded_at > {{ incremental_watermark('_loaded_at') }}

    ),
{%- endif %}

touches as (

    select
        touch_id,
        campaign_id,
        channel,
        lead_id,
        email,
        phone,
        touched_at_local,
        utc_offset,
        _source_file,
        _source_line,
        _loaded_at
    from {{ source('marketing', 'marketing_touches') }}
    {{- only_changed('trim(touch_id)', incremental, changed_key='touch_id') }}

),

source_systems as (

    select
        source_system,
        calling_code,
        trunk_prefix,
        default_timezone
    from {{ ref('source_systems') }}
    where source_system = '{{ var("touches_source_system") }}'

),

-- raw keeps every distinct version of a touch; the latest landed one wins
latest_touches as (

    select
        touches.*,
        row_number() over (
            partition by trim(touches.touch_id)
            order by touches._loaded_at desc, touches._source_file desc, touches._source_line desc
        ) as version_rank
    from touches

),

with_system as (

    select
        trim(latest_touches.touch_id) as touch_id,
        nullif(trim(latest_touches.campaign_id), '') as campaign_id,
        nullif(lower(trim(latest_touches.channel)), '') as channel,
        nullif(trim(latest_touches.lead_id), '') as lead_id,
        latest_touches.email,
        latest_touches.phone,
        nullif(trim(latest_touches.touched_at_local), '') as touched_at_local_text,
        nullif(trim(latest_touches.utc_offset), '') as utc_offset,
        latest_touches._loaded_at,
        coalesce(source_systems.calling_code, '{{ var("default_calling_code") }}') as calling_code,
        coalesce(source_systems.trunk_prefix, '') as trunk_prefix,
        coalesce(source_systems.default_timezone, 'UTC') as default_timezone
    from latest_touches
    left join source_systems
        on 1 = 1
    where latest_touches.version_rank = 1

),

final as (

    select
        touch_id,
        campaign_id,
        campaign_id is null as is_campaign_unknown,
        channel,
        lead_id,
        {{ normalize_email('email') }} as email,
        {{ normalize_phone('phone', 'calling_code', 'trunk_prefix') }} as phone_e164,
        {{ safe_cast('touched_at_local_text', 'timestamp') }} as touched_at_local,
        utc_offset,
        case
            when utc_offset is not null
                then {{ local_with_offset_to_utc('touched_at_local_text', 'utc_offset') }}
            else {{ to_utc('touched_at_local_text', 'default_timezone') }}
        end as touched_at,
        _loaded_at
    from with_system

)

select * from final
