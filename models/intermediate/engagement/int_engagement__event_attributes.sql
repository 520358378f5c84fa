{{ config(materialized='incremental', unique_key='event_key') }}
{%- set incremental = incremental_ready('event_loaded_at') %}
-- Incremental: the attributes of the events whose deduplicated row changed since the last run (a new event, or
-- a retry that made another delivery the first) are read again, whole.
with

events as (

    select * from {{ ref('int_engagement__events_deduplicated') }}
    {%- if incremental %}
        where last_loaded_at > {{ incremental_watermark('event_loaded_at') }}
    {%- endif %}

),

registry as (

    select * from {{ ref('engagement_attribute_registry') }}

),

flattened as (

    {{ json_tree_rows(
        'events', 'events.attributes',
        ['events.event_key', 'events.crm_event_kind', 'events.event_type', 'events.last_loaded_at as event_loaded_at']
    ) }}

),

matches as (

    select
        flattened.event_key,
        flattened.json_path as crm_field,
        flattened.json_type,
        flattened.value_json,
        flattened.value_text,
        registry.canonical_name,
        registry.data_type,
        registry.status,
        registry.manifest_version,
        flattened.event_loaded_at,
        row_number() over (
            partition by flattened.event_key, flattened.json_path
            order by
                case registry.applies_to
                    when flattened.crm_event_kind then 1
                    when flattened.event_type then 2
                    else 3
                end
        ) as match_rank
    from flattened
    left join registry
        on
            flattened.json_path = registry.crm_field
            and registry.applies_to in (flattened.crm_event_kind, flattened.event_type, '*')
    -- an object's members are listed on their own; the container itself is not an attribute
    where flattened.json_type <> 'OBJECT'

),

checked as (

    select
        event_key,
        crm_field,
        json_type,
        value_json,
        value_text,
        canonical_name,
        data_type,
        status,
        manifest_version,
        event_loaded_at,
        json_type = 'NULL' as is_null,
        case
            when json_type in ('NULL', 'ARRAY') then null
            when data_type = 'number' then {{ safe_cast('value_text', 'double') }} is not null
            when data_type = 'integer' then {{ safe_cast('value_text', 'bigint') }} is not null
            when data_type = 'boolean' then lower(value_text) in ('true', 'false')
            when data_type = 'timestamp' then {{ iso_to_utc('value_text') }} is not null
            when data_type = 'text' then true
        end as is_type_ok
    from matches
    where match_rank = 1

),

final as (

    select
        checked.*,
        case
            when json_type = 'ARRAY' then 'array_value'
            when
                canonical_name is null and '{{ var("engagement_unknown_field_policy") }}' = 'reject'
                then 'unknown_field'
            when canonical_name is not null and not is_null and not is_type_ok then 'bad_type'
        end as violation
    from checked

)

select * from final
