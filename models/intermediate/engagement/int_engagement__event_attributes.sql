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

-- the most specific registry row of each member: its CRM event kind, else its taxonomy class, else '*' (the
-- registry is unique on crm_field and applies_to, so each join finds at most one row; 20 M members on `large`,
-- where ranking every candidate row per member cost a 36 s grouping)
matches as (

    select
        flattened.event_key,
        flattened.json_path as crm_field,
        flattened.json_type,
        flattened.value_json,
        flattened.value_text,
        {%- for column in ['canonical_name', 'data_type', 'status', 'manifest_version'] %}
            case
                when by_kind.crm_field is not null then by_kind.{{ column }}
                when by_type.crm_field is not null then by_type.{{ column }}
                else by_any.{{ column }}
            end as {{ column }},
        {%- endfor %}
        flattened.event_loaded_at
    from flattened
    left join registry as by_kind
        on
            flattened.json_path = by_kind.crm_field
            and flattened.crm_event_kind = by_kind.applies_to
    left join registry as by_type
        on
            flattened.json_path = by_type.crm_field
            and flattened.event_type = by_type.applies_to
    left join registry as by_any
        on
            flattened.json_path = by_any.crm_field
            and by_any.applies_to = '*'
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
        end as violation,
        -- the run that wrote the row: the grain test checks the latest run's rows
        {{ run_started_timestamp() }} as computed_at
    from checked

)

select * from final
