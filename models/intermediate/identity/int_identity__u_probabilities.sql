{{ config(
    materialized='incremental',
    unique_key=['comparison', 'level_order'],
    pre_hook="{{ identity_parameters_pre_hook() }}"
) }}
{#- Re-estimated on a schedule (macros/identity/identity_parameters.sql): when not due, this run keeps the stored
    rows. -#}
{%- set probability_floor = 0.00001 -%}

with

records as (

    select * from {{ ref('int_identity__records') }}

),

comparisons as (

    select * from {{ ref('identity_comparisons') }}

),

value_counts as (

    select * from {{ ref('int_identity__value_frequencies') }}

),

interaction_links as (

    select * from {{ ref('int_identity__interaction_links') }}

),

random_levels as (

    select * from {{ ref('int_identity__random_pair_levels') }}

),

-- u, part 1: each level's share of the random pairs (int_identity__random_pair_levels)
random_level_counts as (

    select
        comparisons.comparison,
        comparisons.level_order,
        count(random_levels.level_order) as pair_count
    from comparisons
    left join random_levels
        on
            comparisons.comparison = random_levels.comparison
            and comparisons.level_order = random_levels.level_order
    -- a neutral level has no u of its own but is part of the denominator: P(level | different people)
    -- is a share of all random pairs with a value on both sides
    where comparisons.method <> 'missing'
    group by comparisons.comparison, comparisons.level_order

),

random_level_shares as (

    select
        comparison,
        level_order,
        (pair_count + 1.0)
        / (sum(pair_count) over (partition by comparison) + count(*) over (partition by comparison))
            as u_probability
    from random_level_counts

),

-- u, part 2: exact agreement by chance from value frequencies (no sampling noise)
exact_chance as (

    select
        comparison,
        -- pairs of two different records: Σ n_v(n_v − 1) / (n(n − 1)). Σ n_v² / n² would pair every record
        -- with itself, and for near-unique fields (email, phone, account id) that self-agreement (1/n) was
        -- most of u, understating the evidence of an exact match by 1–2 bits
        sum(value_count * (value_count - 1)) * 1.0 / nullif(sum(value_count) * (sum(value_count) - 1), 0)
            as u_probability
    from value_counts
    group by comparison

),

-- u, part 3: the share of all record pairs that an interaction links (an overestimate: most linked pairs
-- are the same person)
record_pairs as (

    select count(*) * (count(*) - 1.0) / 2.0 as all_pairs
    from records

),

interaction_chance as (

    select count(interaction_links.left_record_key) / nullif(max(record_pairs.all_pairs), 0) as u_probability
    from record_pairs
    left join interaction_links
        on true

),

final as (

    select
        comparisons.comparison,
        comparisons.level_order,
        comparisons.level_name,
        comparisons.method,
        comparisons.m_start,
        case comparisons.method
            when 'exact' then 'value_frequency'
            when 'interaction' then 'interaction_links'
            else 'random_pairs'
        end as u_source,
        greatest(
            case comparisons.method
                when 'exact' then exact_chance.u_probability
                when 'interaction' then interaction_chance.u_probability
                else random_level_shares.u_probability
            end,
            {{ probability_floor }}
        ) as u_probability,
        {{ identity_parameters_estimated_at() }} as estimated_at
    from comparisons
    left join random_level_shares
        on
            comparisons.comparison = random_level_shares.comparison
            and comparisons.level_order = random_level_shares.level_order
    left join exact_chance
        on comparisons.comparison = exact_chance.comparison
    cross join interaction_chance
    where comparisons.method not in ('missing', 'else_neutral')
    {{- identity_parameters_filter('and') }}

)

select * from final
