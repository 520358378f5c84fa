{{ config(
    materialized='incremental',
    unique_key='pair_key',
    post_hook="{{ delete_pairs_no_longer_candidates() }}"
) }}
{%- set incremental = incremental_ready('records_loaded_at') %}
-- Incremental: a pair's levels depend only on its two records (and the seeds), so a run compares only the
-- candidate pairs it has not compared yet and those with a record landed again since (a new version); the
-- post-hook drops the pairs that are no longer candidates.

with

candidate_pairs as (

    select
        pair_id,
        pair_key,
        left_record_key,
        right_record_key
    from {{ ref('int_identity__candidate_pairs') }}

),

records as (

    select * from {{ ref('int_identity__records') }}

),

comparisons as (

    select * from {{ ref('identity_comparisons') }}

),

{%- if incremental %}

    changed_records as (

        select customer_record_key from records
        where loaded_at > {{ incremental_watermark('records_loaded_at') }}

    ),
{%- endif %}

to_compare as (

    select * from candidate_pairs
    {%- if incremental %}
        where
            pair_key not in (select previous.pair_key from {{ this }} as previous)
            or left_record_key in (select changed_records.customer_record_key from changed_records)
            or right_record_key in (select changed_records.customer_record_key from changed_records)
    {%- endif %}

),

levels as (

    {{ identity_comparison_levels('to_compare', 'records', 'comparisons') }}

),

final as (

    select
        to_compare.pair_key,
        levels.comparison,
        levels.level_order,
        levels.exact_value,
        greatest(left_records.loaded_at, right_records.loaded_at) as records_loaded_at,
        -- the run that wrote the row: the grain test checks the latest run's rows
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as computed_at
    from levels
    inner join to_compare
        on levels.pair_id = to_compare.pair_id
    inner join records as left_records
        on to_compare.left_record_key = left_records.customer_record_key
    inner join records as right_records
        on to_compare.right_record_key = right_records.customer_record_key

)

select * from final
