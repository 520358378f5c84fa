{{ config(materialized='incremental', incremental_strategy='append') }}
{#- Every blocking key of every version of a record (grain: customer_record_key, loaded_at, rule_name). Append
    only: a record landed again adds its new keys and keeps the old ones, which int_identity__candidate_pairs
    needs to find the blocks a changed record left. The current keys are the rows at the record's current
    loaded_at. -#}
{%- set key_positions = var('identity_blocking_key_positions') | int -%}
{#- the features the seed's rules use: any column of int_identity__records -#}
{%- set features = [] -%}
{%- if execute -%}
    {%- set features = run_query(
        'select distinct feature from ' ~ ref('identity_blocking_rules') ~ ' order by feature'
    ).columns[0].values() | list -%}
{%- endif -%}

with

records as (

    select * from {{ ref('int_identity__records') }}
    {%- if is_incremental() %}
        where loaded_at > (select coalesce(max(previous.loaded_at), cast('1900-01-01' as timestamp)) from {{ this }} as previous)
    {%- endif %}

),

blocking_rules as (

    select
        rule_name,
        key_position,
        feature
    from {{ ref('identity_blocking_rules') }}

),

rule_widths as (

    select
        rule_name,
        count(*) as feature_count
    from blocking_rules
    group by rule_name

),

-- one row per (record, feature) that has a value
record_features as (
    {%- for feature in features %}

        select
            records.customer_record_key,
            records.loaded_at,
            '{{ feature }}' as feature,
            cast(records.{{ feature }} as {{ dbt.type_string() }}) as feature_value
        from records
        where records.{{ feature }} is not null
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}

),

record_rule_parts as (

    select
        record_features.customer_record_key,
        record_features.loaded_at,
        blocking_rules.rule_name,
        blocking_rules.key_position,
        record_features.feature_value
    from record_features
    inner join blocking_rules
        on record_features.feature = blocking_rules.feature

),

-- a record gets a rule's key only when it has every feature of the rule
final as (

    select
        record_rule_parts.customer_record_key,
        record_rule_parts.loaded_at,
        record_rule_parts.rule_name,
        concat_ws(
            '|',
            {%- for position in range(1, key_positions + 1) %}
                max(case when record_rule_parts.key_position = {{ position }} then record_rule_parts.feature_value end)
                {{- ',' if not loop.last }}
            {%- endfor %}
        ) as block_key
    from record_rule_parts
    inner join rule_widths
        on record_rule_parts.rule_name = rule_widths.rule_name
    group by
        record_rule_parts.customer_record_key,
        record_rule_parts.loaded_at,
        record_rule_parts.rule_name,
        rule_widths.feature_count
    having count(*) = rule_widths.feature_count

)

select * from final
