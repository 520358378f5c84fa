{{ config(
    materialized='incremental',
    unique_key='pair_id',
    post_hook="{{ delete_pairs_no_longer_candidates('pair_id') }}"
) }}
{%- set incremental = incremental_ready('pairs_computed_at') %}
-- Incremental: only the candidate pairs int_identity__candidate_pairs (re)computed since the last run (new pairs,
-- pairs of a changed record, pairs whose blocks or interaction link changed); the post-hook drops pairs that
-- are no longer candidates.
with

candidate_pairs as (

    select * from {{ ref('int_identity__candidate_pairs') }}
    {%- if incremental %}
        where computed_at > {{ incremental_watermark('pairs_computed_at') }}
    {%- endif %}

),

record_pair_levels as (

    select * from {{ ref('int_identity__record_pair_levels') }}

),

comparisons as (

    select * from {{ ref('identity_comparisons') }}

),

interaction_links as (

    select * from {{ ref('int_identity__interaction_links') }}

),

-- the record comparisons of the current candidate pairs (computed once per pair, kept across runs)
record_levels as (

    select
        candidate_pairs.pair_id,
        record_pair_levels.comparison,
        record_pair_levels.level_order,
        record_pair_levels.exact_value
    from candidate_pairs
    inner join record_pair_levels
        on candidate_pairs.pair_id = record_pair_levels.pair_id

),

-- comparison interaction_link: its 'interaction' level when one interaction shows both records, else its
-- else / else_neutral level
interaction_levels as (

    select
        candidate_pairs.pair_id,
        comparisons.comparison,
        comparisons.level_order,
        cast(null as {{ dbt.type_string() }}) as exact_value
    from candidate_pairs
    left join interaction_links
        on
            candidate_pairs.left_record_key = interaction_links.left_record_key
            and candidate_pairs.right_record_key = interaction_links.right_record_key
    inner join comparisons
        on
            comparisons.comparison = 'interaction_link'
            and (
                (interaction_links.left_record_key is not null and comparisons.method = 'interaction')
                or (interaction_links.left_record_key is null and comparisons.method in ('else', 'else_neutral'))
            )

),

levels as (

    select
        pair_id,
        comparison,
        level_order,
        exact_value
    from record_levels

    union all

    select
        pair_id,
        comparison,
        level_order,
        exact_value
    from interaction_levels

),

final as (

    select
        levels.pair_id,
        levels.comparison,
        levels.level_order,
        comparisons.level_name,
        levels.exact_value,
        candidate_pairs.computed_at as pairs_computed_at,
        -- the run that wrote the row: the grain test checks the latest run's rows
        {{ run_started_timestamp() }} as computed_at
    from levels
    inner join candidate_pairs
        on levels.pair_id = candidate_pairs.pair_id
    inner join comparisons
        on
            levels.comparison = comparisons.comparison
            and levels.level_order = comparisons.level_order

)

select * from final
