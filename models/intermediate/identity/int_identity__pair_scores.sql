{#- Longer than 200 lines: the score, the decision and the explanation all read the per-level weights (about ten
    rows per pair); split, those rows would be materialised for a second model. -#}
{{ config(
    materialized='incremental',
    unique_key='pair_key',
    post_hook="{{ delete_pairs_no_longer_candidates() }}"
) }}
{#- Incremental: while the parameters (m, u, prior, term frequencies) are the stored ones, a run scores only the
    pairs int_identity__candidate_pairs (re)computed since the last run; parameters estimated after the stored
    scores (macros/identity/identity_parameters.sql) rescore every pair. -#}
{%- set incremental = incremental_ready('pairs_computed_at') and incremental_ready('parameters_estimated_at') %}
{%- set parameters_estimated_at -%}
    greatest(
        (select max(estimated_at) from {{ ref('int_identity__comparison_weights') }}),
        (select max(estimated_at) from {{ ref('int_identity__value_frequencies') }})
    )
{%- endset -%}
{%- if incremental and execute -%}
    {%- set current = run_query('select ' ~ parameters_estimated_at).columns[0].values()[0] -%}
    {%- set scored = run_query('select max(parameters_estimated_at) from ' ~ this).columns[0].values()[0] -%}
    {%- set incremental = current == scored -%}
{%- endif %}
with

comparison_levels as (

    select * from {{ ref('int_identity__comparison_levels') }}
    {%- if incremental %}
        where pairs_computed_at > {{ incremental_watermark('pairs_computed_at') }}
    {%- endif %}

),

comparison_weights as (

    select * from {{ ref('int_identity__comparison_weights') }}

),

value_frequencies as (

    select * from {{ ref('int_identity__value_frequencies') }}

),

candidate_pairs as (

    select * from {{ ref('int_identity__candidate_pairs') }}
    {%- if incremental %}
        where computed_at > {{ incremental_watermark('pairs_computed_at') }}
    {%- endif %}

),

parameters as (

    select {{ parameters_estimated_at }} as parameters_estimated_at

),

prior_probability as (

    select max(prior_match_probability) as prior_match_probability
    from comparison_weights

),

weighted_levels as (

    select
        comparison_levels.pair_id,
        comparison_levels.comparison,
        comparison_levels.level_name,
        comparison_weights.method,
        value_frequencies.term_frequency_u,
        coalesce(
            comparison_weights.m_probability / value_frequencies.term_frequency_u,
            comparison_weights.bayes_factor
        ) as bayes_factor,
        coalesce(
            ln(comparison_weights.m_probability / value_frequencies.term_frequency_u) / ln(2.0),
            comparison_weights.match_weight
        ) as match_weight,
        -- an anchor agreeing at any level that counts for a match (a birth date one typo apart too)
        comparison_levels.comparison in ({{ "'" ~ var('identity_anchor_comparisons') | join("', '") ~ "'" }})
        and comparison_weights.match_weight > 0 as is_anchor_agreement,
        comparison_levels.comparison = 'first_name'
        and coalesce(
            comparison_weights.m_probability > value_frequencies.term_frequency_u,
            comparison_weights.match_weight > 0
        ) as is_first_name_agreement
    from comparison_levels
    inner join comparison_weights
        on
            comparison_levels.comparison = comparison_weights.comparison
            and comparison_levels.level_order = comparison_weights.level_order
    -- the agreed value's own frequency, for exact levels of term-frequency-adjusted comparisons
    left join value_frequencies
        on
            comparison_weights.method = 'exact'
            and comparison_levels.comparison = value_frequencies.comparison
            and comparison_levels.exact_value = value_frequencies.feature_value
            and value_frequencies.term_frequency_u > 0

),

pair_totals as (

    select
        weighted_levels.pair_id,
        sum(weighted_levels.match_weight) as evidence_weight,
        max(case when weighted_levels.is_anchor_agreement or weighted_levels.is_first_name_agreement then 1 else 0 end)
        = 1 as has_person_evidence
    from weighted_levels
    group by weighted_levels.pair_id

),

scored as (

    select
        candidate_pairs.pair_id,
        candidate_pairs.pair_key,
        candidate_pairs.left_record_key,
        candidate_pairs.right_record_key,
        candidate_pairs.blocking_rules,
        candidate_pairs.computed_at as pairs_computed_at,
        ln(prior_probability.prior_match_probability / (1 - prior_probability.prior_match_probability))
        / ln(2.0) as prior_weight,
        pair_totals.evidence_weight,
        pair_totals.has_person_evidence
    from candidate_pairs
    inner join pair_totals
        on candidate_pairs.pair_id = pair_totals.pair_id
    cross join prior_probability

),

probabilities as (

    select
        scored.*,
        scored.prior_weight + scored.evidence_weight as match_weight,
        -- clamp the exponent so 2^w stays finite; beyond ±60 bits the probability is 0 or 1 anyway
        1.0 / (1.0 + power(2.0, -greatest(least(scored.prior_weight + scored.evidence_weight, 60), -60)))
            as match_probability
    from scored

),

decided as (

    select
        pair_id,
        pair_key,
        left_record_key,
        right_record_key,
        blocking_rules,
        prior_weight,
        evidence_weight,
        match_weight,
        match_probability,
        has_person_evidence,
        pairs_computed_at,
        case
            when not has_person_evidence then 'no_match'
            when match_probability >= {{ var('identity_auto_merge_threshold') }} then 'auto_merge'
            when match_probability >= {{ var('identity_review_threshold') }} then 'review'
            else 'no_match'
        end as score_decision,
        case
            when not has_person_evidence and match_probability >= {{ var('identity_review_threshold') }}
                then 'household_guard'
            when match_probability >= {{ var('identity_auto_merge_threshold') }} then 'above_auto_merge_threshold'
            when match_probability >= {{ var('identity_review_threshold') }} then 'between_review_and_auto_merge'
            else 'below_review_threshold'
        end as decision_reason
    from probabilities

),

-- the explanation of every pair someone reads: merged and review pairs
explained_levels as (

    select weighted_levels.*
    from weighted_levels
    inner join decided
        on weighted_levels.pair_id = decided.pair_id
    where decided.score_decision in ('auto_merge', 'review')

),

explanations as (

    select
        explained_levels.pair_id,
        {{ json_object_agg(
            'explained_levels.comparison',
            json_build_object([
                ('level', 'explained_levels.level_name'),
                ('term_frequency_u', 'explained_levels.term_frequency_u'),
                ('bayes_factor', 'round(explained_levels.bayes_factor, 4)'),
                ('match_weight', 'round(explained_levels.match_weight, 3)'),
            ])
        ) }} as explanation,
        {{ string_agg_ordered(
            "case when explained_levels.match_weight > 0 then explained_levels.comparison end",
            ',',
            '-explained_levels.match_weight'
        ) }} as agreeing_comparisons,
        {{ string_agg_ordered(
            "case when explained_levels.match_weight < 0 then explained_levels.comparison end",
            ',',
            'explained_levels.match_weight'
        ) }} as disagreeing_comparisons
    from explained_levels
    group by explained_levels.pair_id

),

final as (

    select
        decided.pair_key,
        decided.left_record_key,
        decided.right_record_key,
        decided.blocking_rules,
        decided.prior_weight,
        decided.evidence_weight,
        decided.match_weight,
        decided.match_probability,
        decided.has_person_evidence,
        decided.score_decision,
        decided.decision_reason,
        explanations.agreeing_comparisons,
        explanations.disagreeing_comparisons,
        explanations.explanation,
        decided.pairs_computed_at,
        parameters.parameters_estimated_at
    from decided
    left join explanations
        on decided.pair_id = explanations.pair_id
    cross join parameters

)

select * from final
