{#- Longer than 200 lines: an event's canonical attributes and its top violation come from the same attribute rows;
    split, those rows would be read and grouped twice. -#}
{{ config(materialized='incremental', unique_key='event_key') }}
{%- set incremental = incremental_ready('last_loaded_at') %}
-- Incremental: the events whose deduplicated row changed since the last run are normalised again, whole.
with

events as (

    select * from {{ ref('int_engagement__events_deduplicated') }}
    {%- if incremental %}
        where last_loaded_at > {{ incremental_watermark('last_loaded_at') }}
    {%- endif %}

),

attributes as (

    select * from {{ ref('int_engagement__event_attributes') }}
    {{- only_changed('event_key', incremental, 'events') }}

),

registry as (

    select * from {{ ref('engagement_attribute_registry') }}

),

-- canonical names the registry lists under more than one CRM field (transaction_value and tx_amount)
renamed_canonical_names as (

    select canonical_name
    from registry
    group by canonical_name
    having count(distinct crm_field) > 1

),

-- one value per canonical name: a current name beats a deprecated one when a payload carries both. Only a
-- renamed canonical name can have two values in one event (an event has one attribute row per CRM field: the
-- grain test of int_engagement__event_attributes), so only those are ranked: ranking all 20 M values of
-- `large` cost 16 s
ranked_renamed_values as (

    select
        event_key,
        crm_field,
        row_number() over (
            partition by event_key, canonical_name
            order by case when status = 'deprecated' then 2 else 1 end, crm_field
        ) as value_rank
    from attributes
    where
        canonical_name in (select renamed_canonical_names.canonical_name from renamed_canonical_names)
        and not is_null and is_type_ok

),

-- every valid value but a renamed name's losing one (an unranked value is its name's only one)
canonical_values as (

    select
        attributes.event_key,
        attributes.canonical_name,
        attributes.status,
        attributes.manifest_version,
        attributes.value_json,
        attributes.value_text
    from attributes
    left join ranked_renamed_values
        on
            attributes.event_key = ranked_renamed_values.event_key
            and attributes.crm_field = ranked_renamed_values.crm_field
    where
        attributes.canonical_name is not null
        and not attributes.is_null
        and attributes.is_type_ok
        and coalesce(ranked_renamed_values.value_rank, 1) = 1

),

canonical as (

    select
        event_key,
        {{ json_object_agg('canonical_name', 'value_json') }} as attributes,
        max(case when canonical_name = 'transaction_value' then value_text end) as transaction_value_text,
        max(case when canonical_name = 'payment_status' then value_text end) as payment_status,
        max(case when canonical_name = 'product_category' then value_text end) as product_category,
        max(case when canonical_name = 'product_sku' then value_text end) as product_sku,
        max(case when canonical_name = 'channel_origin' then lower(value_text) end) as channel_origin,
        max(manifest_version) as manifest_version,
        max(case when status = 'deprecated' then 1 else 0 end) = 1 as uses_deprecated_fields
    from canonical_values
    group by event_key

),

required_fields as (

    select distinct
        events.event_key,
        registry.canonical_name
    from events
    inner join registry
        on registry.applies_to in (events.crm_event_kind, events.event_type, '*')
    where registry.status = 'required' and events.event_type is not null

),

-- present under any of its names with any value but JSON null; a value of the wrong type is bad_type
present_fields as (

    select distinct
        event_key,
        canonical_name
    from attributes
    where canonical_name is not null and not is_null

),

missing_required as (

    select
        required_fields.event_key,
        'missing_required_field' as violation,
        required_fields.canonical_name as violation_field
    from required_fields
    left join present_fields
        on
            required_fields.event_key = present_fields.event_key
            and required_fields.canonical_name = present_fields.canonical_name
    where present_fields.event_key is null

),

violations as (

    select
        event_key,
        'missing_contact_id' as violation,
        'contact_id' as violation_field
    from events
    where contact_id is null

    union all

    select
        event_key,
        'unknown_event_type' as violation,
        coalesce(crm_event_kind, 'event_type') as violation_field
    from events
    where event_type is null

    union all

    select
        event_key,
        'invalid_event_timestamp' as violation,
        'event_timestamp' as violation_field
    from events
    where event_timestamp is null

    union all

    select
        event_key,
        violation,
        violation_field
    from missing_required

    union all

    select
        event_key,
        violation,
        crm_field as violation_field
    from attributes
    where violation is not null

),

ranked_violations as (

    select
        event_key,
        violation,
        violation_field,
        case violation
            when 'missing_contact_id' then 1
            when 'unknown_event_type' then 2
            when 'invalid_event_timestamp' then 3
            when 'array_value' then 4
            when 'missing_required_field' then 5
            when 'bad_type' then 6
            else 7
        end as severity
    from violations

),

event_violations as (

    select
        event_key,
        {{ string_agg_ordered("violation || ':' || violation_field", ', ', 'severity, violation_field') }}
            as manifest_violations,
        min(severity) as top_severity
    from ranked_violations
    group by event_key

),

top_violation as (

    select
        ranked_violations.event_key,
        min(ranked_violations.violation) as manifest_violation,
        min(ranked_violations.violation_field) as manifest_violation_field
    from ranked_violations
    inner join event_violations
        on
            ranked_violations.event_key = event_violations.event_key
            and ranked_violations.severity = event_violations.top_severity
    group by ranked_violations.event_key

),

final as (

    select
        events.event_key,
        events.request_id,
        events.contact_id,
        events.crm_event_kind,
        events.event_type,
        events.crm_record_id,
        events.event_timestamp,
        events.first_received_at,
        events.last_received_at,
        events.delivery_count,
        events.has_conflicting_retries,
        canonical.attributes,
        {{ safe_cast('canonical.transaction_value_text', 'double') }} as transaction_value,
        canonical.payment_status,
        canonical.product_category,
        canonical.product_sku,
        canonical.channel_origin,
        canonical.manifest_version,
        coalesce(canonical.uses_deprecated_fields, false) as uses_deprecated_fields,
        top_violation.manifest_violation,
        top_violation.manifest_violation_field,
        event_violations.manifest_violations,
        events.attributes as source_attributes,
        events.last_loaded_at
    from events
    left join canonical
        on events.event_key = canonical.event_key
    left join event_violations
        on events.event_key = event_violations.event_key
    left join top_violation
        on events.event_key = top_violation.event_key

)

select * from final
