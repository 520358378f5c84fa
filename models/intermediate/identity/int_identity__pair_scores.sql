{#-
    One row per candidate pair (grain: pair_key): its Fellegi–Sunter score and the decision taken on it.
    match_weight = log2(prior odds) + Σ per-comparison log2(m / u) (int_identity__comparison_weights);
    match_probability = 2^w / (1 + 2^w), the probability that both records are the same person.
    Decisions use the probability, never a raw similarity average (seed 002 §2):
      >= var('identity_auto_merge_threshold') → auto_merge, >= var('identity_review_threshold') → review,
      else no_match. Household guard: a pair with no person-level agreement (first name, or exact
      email / account id / date of birth) never merges or enters review on shared phone, address and
      last name alone.
-#}
with

comparison_levels as (

    select * from {{ ref('int_identity__comparison_levels') }}

),

comparison_weights as (

    select * from {{ ref('int_identity__comparison_weights') }}

),

candidate_pairs as (

    select * from {{ ref('int_identity__candidate_pairs') }}

),

prior_probability as (

    select max(prior_match_probability) as prior_match_probability
    from comparison_weights

),

weighted_levels as (

    select
        comparison_levels.pair_key,
        comparison_levels.comparison,
        comparison_levels.level_name,
        comparison_weights.method,
        comparison_weights.bayes_factor,
        comparison_weights.match_weight,
        comparison_levels.comparison in ({{ "'" ~ var('identity_anchor_comparisons') | join("', '") ~ "'" }})
        and comparison_weights.method = 'exact' as is_anchor_agreement,
        comparison_levels.comparison = 'first_name' and comparison_weights.match_weight > 0 as is_first_name_agreement
    from comparison_levels
    inner join comparison_weights
        on
            comparison_levels.comparison = comparison_weights.comparison
            and comparison_levels.level_order = comparison_weights.level_order

),

pair_totals as (

    select
        weighted_levels.pair_key,
        sum(weighted_levels.match_weight) as evidence_weight,
        max(case when weighted_levels.is_anchor_agreement or weighted_levels.is_first_name_agreement then 1 else 0 end)
        = 1 as has_person_evidence,
        {{ json_object_agg(
            'weighted_levels.comparison',
            json_build_object([
                ('level', 'weighted_levels.level_name'),
                ('bayes_factor', 'round(weighted_levels.bayes_factor, 4)'),
                ('match_weight', 'round(weighted_levels.match_weight, 3)'),
            ])
        ) }} as explanation,
        {{ string_agg_ordered(
            "case when weighted_levels.match_weight > 0 then weighted_levels.comparison end",
            ',',
            'weighted_levels.match_weight desc'
        ) }} as agreeing_comparisons,
        {{ string_agg_ordered(
            "case when weighted_levels.match_weight < 0 then weighted_levels.comparison end",
            ',',
            'weighted_levels.match_weight'
        ) }} as disagreeing_comparisons
    from weighted_levels
    group by weighted_levels.pair_key

),

scored as (

    select
        candidate_pairs.pair_key,
        candidate_pairs.left_record_key,
        candidate_pairs.right_record_key,
        candidate_pairs.blocking_rules,
        ln(prior_probability.prior_match_probability / (1 - prior_probability.prior_match_probability))
        / ln(2.0) as prior_weight,
        pair_totals.evidence_weight,
        pair_totals.has_person_evidence,
        pair_totals.explanation,
        pair_totals.agreeing_comparisons,
        pair_totals.disagreeing_comparisons
    from candidate_pairs
    inner join pair_totals
        on candidate_pairs.pair_key = pair_totals.pair_key
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

final as (

    select
        pair_key,
        left_record_key,
        right_record_key,
        blocking_rules,
        prior_weight,
        evidence_weight,
        match_weight,
        match_probability,
        has_person_evidence,
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
        end as decision_reason,
        agreeing_comparisons,
        disagreeing_comparisons,
        explanation
    from probabilities

)

select
    pair_key,
    left_record_key,
    right_record_key,
    blocking_rules,
    prior_weight,
    evidence_weight,
    match_weight,
    match_probability,
    has_person_evidence,
    score_decision,
    decision_reason,
    agreeing_comparisons,
    disagreeing_comparisons,
    explanation
from final
