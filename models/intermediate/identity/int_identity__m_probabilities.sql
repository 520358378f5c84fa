{#-
    m = P(level | same person), estimated without labels by expectation maximisation over the candidate
    pairs, as Fellegi–Sunter tools train it. One row per scored level of seed identity_comparisons (grain:
    comparison, level_order). The candidate pairs are a mixture of matches (share λ, level shares m) and
    non-matches (level shares u'); both classes and λ are re-estimated var('identity_em_iterations') times
    from the seed's m_start and the random-pair u (int_identity__u_probabilities):
      E: P(match | pattern) = λ Π m / (λ Π m + (1 − λ) Π u'), over the levels that weigh
         ('missing' and 'else_neutral' levels say nothing);
      M: m_l = Σ count · P(match) · [level = l] / Σ count · P(match) · [a value on both sides],
         u'_l the same with 1 − P(match), λ = Σ count · P(match) / Σ count; each smoothed by one pseudo-pair
         (m_start for m, the random-pair u for u').
    The candidates' own non-matches (u') agree on blocking keys far more than random pairs, so they get
    their own class here; scoring uses m with the random-pair u. Pairs are grouped into patterns (one level
    per comparison, coded as the digits of one integer), a few thousand rows whatever the pair count.
    em_match_share is λ among the candidates, which int_identity__comparison_weights turns into the prior;
    em_last_change is the largest change of any m in the last iteration (convergence).
-#}
{%- set iterations = var('identity_em_iterations') | int -%}
{%- set floor = 0.000001 -%}

with

comparison_levels as (

    select * from {{ ref('int_identity__comparison_levels') }}

),

comparisons as (

    select * from {{ ref('identity_comparisons') }}

),

u_probabilities as (

    select * from {{ ref('int_identity__u_probabilities') }}

),

-- each comparison is one decimal digit of the pattern code (level_order < 10: a seed test)
comparison_digits as (

    select
        comparison,
        dense_rank() over (order by comparison) - 1 as digit
    from comparisons
    group by comparison

),

pair_patterns as (

    select
        comparison_levels.pair_id,
        cast(sum(comparison_levels.level_order * power(10, comparison_digits.digit)) as bigint) as pattern
    from comparison_levels
    inner join comparison_digits
        on comparison_levels.comparison = comparison_digits.comparison
    group by comparison_levels.pair_id

),

patterns as (

    select
        pattern,
        count(*) as pair_count
    from pair_patterns
    group by pattern

),

-- one row per (pattern, comparison): the level, and whether it weighs (a value on both sides, not neutral)
pattern_levels as (

    select
        patterns.pattern,
        patterns.pair_count,
        comparisons.comparison,
        comparisons.level_order,
        comparisons.method not in ('missing', 'else_neutral') as is_scored,
        comparisons.method <> 'missing' as has_values
    from patterns
    cross join comparison_digits
    inner join comparisons
        on
            comparison_digits.comparison = comparisons.comparison
            and comparisons.level_order
            = cast(floor(patterns.pattern / power(10, comparison_digits.digit)) as bigint) % 10

),

-- levels that do not weigh carry m = u' = 1 (a factor of 1), so every pattern row finds its parameters
params_0 as (

    select
        comparisons.comparison,
        comparisons.level_order,
        coalesce(u_probabilities.m_start, 1.0) as m_probability,
        coalesce(u_probabilities.u_probability, 1.0) as nonmatch_probability,
        -- start: a tenth of the candidates match
        0.1 as match_share
    from comparisons
    left join u_probabilities
        on
            comparisons.comparison = u_probabilities.comparison
            and comparisons.level_order = u_probabilities.level_order

),
{%- for i in range(iterations) %}

    log_odds_{{ i }} as (

        select
            pattern_levels.pattern,
            max(pattern_levels.pair_count) as pair_count,
            ln(max(params_{{ i }}.match_share) / (1.0 - max(params_{{ i }}.match_share)))
            + sum(ln(params_{{ i }}.m_probability / params_{{ i }}.nonmatch_probability)) as log_odds
        from pattern_levels
        inner join params_{{ i }}
            on
                pattern_levels.comparison = params_{{ i }}.comparison
                and pattern_levels.level_order = params_{{ i }}.level_order
        group by pattern_levels.pattern

    ),

    posterior_{{ i }} as (

        select
            pattern,
            pair_count,
            1.0 / (1.0 + exp(-greatest(least(log_odds, 700), -700))) as match_probability
        from log_odds_{{ i }}

    ),

    sums_{{ i + 1 }} as (

        select
            pattern_levels.comparison,
            pattern_levels.level_order,
            pattern_levels.is_scored,
            sum(pattern_levels.pair_count * posterior_{{ i }}.match_probability) as match_weight,
            sum(pattern_levels.pair_count * (1.0 - posterior_{{ i }}.match_probability)) as nonmatch_weight,
            sum(
                case
                    when pattern_levels.has_values
                        then pattern_levels.pair_count * posterior_{{ i }}.match_probability
                end
            ) as match_weight_with_values,
            sum(
                case
                    when pattern_levels.has_values
                        then pattern_levels.pair_count * (1.0 - posterior_{{ i }}.match_probability)
                end
            ) as nonmatch_weight_with_values,
            sum(pattern_levels.pair_count) as pair_count
        from pattern_levels
        inner join posterior_{{ i }}
            on pattern_levels.pattern = posterior_{{ i }}.pattern
        group by pattern_levels.comparison, pattern_levels.level_order, pattern_levels.is_scored

    ),

    params_{{ i + 1 }} as (

        select
            sums.comparison,
            sums.level_order,
            case
                when sums.is_scored
                    then greatest(
                        (sums.match_weight + u_probabilities.m_start)
                        / (sum(coalesce(sums.match_weight_with_values, 0)) over (partition by sums.comparison) + 1.0),
                        {{ floor }}
                    )
                else 1.0
            end as m_probability,
            case
                when sums.is_scored
                    then greatest(
                        (sums.nonmatch_weight + u_probabilities.u_probability)
                        / (
                            sum(coalesce(sums.nonmatch_weight_with_values, 0)) over (partition by sums.comparison)
                            + 1.0
                        ),
                        {{ floor }}
                    )
                else 1.0
            end as nonmatch_probability,
            -- every pattern has one level per comparison: any comparison's totals are all the candidates'
            sum(sums.match_weight) over (partition by sums.comparison)
            / sum(sums.pair_count) over (partition by sums.comparison) as match_share
        from sums_{{ i + 1 }} as sums
        left join u_probabilities
            on
                sums.comparison = u_probabilities.comparison
                and sums.level_order = u_probabilities.level_order

    ),
{%- endfor %}

candidate_count as (

    select sum(pair_count) as candidate_pairs
    from patterns

),

final as (

    select
        params_{{ iterations }}.comparison,
        params_{{ iterations }}.level_order,
        params_{{ iterations }}.m_probability,
        params_{{ iterations }}.nonmatch_probability as candidate_nonmatch_probability,
        params_{{ iterations }}.match_share as em_match_share,
        max(abs(params_{{ iterations }}.m_probability - params_{{ iterations - 1 }}.m_probability)) over ()
            as em_last_change,
        candidate_count.candidate_pairs
    from params_{{ iterations }}
    inner join params_{{ iterations - 1 }}
        on
            params_{{ iterations }}.comparison = params_{{ iterations - 1 }}.comparison
            and params_{{ iterations }}.level_order = params_{{ iterations - 1 }}.level_order
    inner join u_probabilities
        on
            params_{{ iterations }}.comparison = u_probabilities.comparison
            and params_{{ iterations }}.level_order = u_probabilities.level_order
    cross join candidate_count

)

select
    comparison,
    level_order,
    m_probability,
    candidate_nonmatch_probability,
    em_match_share,
    em_last_change,
    candidate_pairs
from final
