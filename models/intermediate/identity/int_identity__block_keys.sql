{{ config(materialized='incremental', incremental_strategy='append') }}
{#- Every blocking key of every version of a record (grain: customer_record_key, loaded_at, rule_name). Append
    only: a record landed again adds its new keys and keeps the old ones, which int_identity__candidate_pairs
    needs to find the blocks a changed record left. The current keys are the rows at the record's current
    loaded_at. -#}
{#- the seed's rules, each with its features in key order: one select per rule (a record's key is its features in
    that order joined by '|'; a record lacking any of them has no key for the rule) -#}
{%- set rules = {} -%}
{%- if execute -%}
    {%- set rows = run_query(
        'select rule_name, feature from ' ~ ref('identity_blocking_rules') ~ ' order by rule_name, key_position'
    ) -%}
    {%- for row in rows -%}
        {%- do rules.setdefault(row[0], []).append(row[1]) -%}
    {%- endfor -%}
{%- endif -%}

-- depends_on: {{ ref('identity_blocking_rules') }}
with

records as (

    select * from {{ ref('int_identity__records') }}
    {%- if is_incremental() %}
        where loaded_at > {{ incremental_watermark('loaded_at') }}
    {%- endif %}

),

rule_keys as (
    {%- for rule_name, features in rules | dictsort %}

        select
            customer_record_key,
            loaded_at,
            '{{ rule_name }}' as rule_name,
            concat_ws(
                '|',
                {%- for feature in features %}
                    cast({{ feature }} as {{ dbt.type_string() }}){{ ',' if not loop.last }}
                {%- endfor %}
            ) as block_key
        from records
        where {{ features | join(' is not null and ') }} is not null
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}

),

final as (

    select
        rule_keys.*,
        -- the run that appended the row: the grain test checks the latest run's rows
        {{ run_started_timestamp() }} as computed_at
    from rule_keys

)

select * from final
