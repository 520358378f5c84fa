{{ config(
    materialized='incremental',
    unique_key=['comparison', 'level_order'],
    pre_hook="{{ identity_parameters_pre_hook() }}"
) }}
{#- Re-estimated on a schedule (macros/identity/identity_parameters.sql): when not due, this run keeps the stored
    rows. -#}
{#- Longer than 200 lines: one estimator: every EM round (unrolled, var identity_em_iterations) of every training
    session reads the same level patterns; as models, each round would be materialised. -#}
{#-
    Pairs are grouped into level patterns (one level per comparison, coded as the digits of one integer):
    a few thousand rows whatever the pair count. Why sessions, not all candidates with a free non-match
    class: at 1.6 M records the "match" class converged on "same surname and postcode" (households and
    neighbours), λ 0.50 for a true 0.12, precision 0.974.
-#}
{%- set iterations = var('identity_em_iterations') | int -%}
{%- set sessions = var('identity_em_sessions') -%}
{%- set floor = 0.000001 -%}

{#- pattern_levels is a staged CTE (macros/cross_db/staged_ctes.sql): every EM round reads it twice, which Spark
    would otherwise inline, candidate-pair join and all, 50 times. -#}
{%- set ctes = [] %}

with

-- sqlfluff misreads the indentation of the training sessions' loop inside this call block
-- noqa: disable=LT02
{% call cte_group(ctes) %}
comparison_levels as (

    select * from {{ ref('int_identity__comparison_levels') }}

),

candidate_pairs as (

    select * from {{ ref('int_identity__candidate_pairs') }}

),

comparisons as (

    select * from {{ ref('identity_comparisons') }}

),

u_probabilities as (

    select * from {{ ref('int_identity__u_probabilities') }}

),

training_sessions as (
    {%- for session in sessions %}

        select
            '{{ session.rule }}' as session_rule,
            '{{ session.fixed | join(",") }}' as fixed_comparisons
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}

),

session_pairs as (

    select
        training_sessions.session_rule,
        training_sessions.fixed_comparisons,
        candidate_pairs.pair_id
    from candidate_pairs
    inner join training_sessions
        on (',' || candidate_pairs.blocking_rules || ',') like ('%,' || training_sessions.session_rule || ',%')

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
        session_pairs.session_rule,
        session_pairs.fixed_comparisons,
        pair_patterns.pattern,
        count(*) as pair_count
    from session_pairs
    inner join pair_patterns
        on session_pairs.pair_id = pair_patterns.pair_id
    group by session_pairs.session_rule, session_pairs.fixed_comparisons, pair_patterns.pattern

),

{% endcall %}
-- noqa: enable=LT02

-- one row per (session, pattern, comparison): the level; whether it weighs in this session, and whether
-- it has a value on both sides (m's denominator)
{% call staged_cte(ctes, 'pattern_levels') %}

    select
        patterns.session_rule,
        patterns.pattern,
        patterns.pair_count,
        comparisons.comparison,
        comparisons.level_order,
        comparisons.method not in ('missing', 'else_neutral')
        and (',' || patterns.fixed_comparisons || ',') not like ('%,' || comparisons.comparison || ',%') as is_scored,
        comparisons.method <> 'missing'
        and (',' || patterns.fixed_comparisons || ',') not like ('%,' || comparisons.comparison || ',%') as has_values
    from patterns
    cross join comparison_digits
    inner join comparisons
        on
            comparison_digits.comparison = comparisons.comparison
            and comparisons.level_order
            = cast(floor(patterns.pattern / power(10, comparison_digits.digit)) as bigint) % 10

{% endcall %}

-- levels that do not weigh carry m = u = 1 (a factor of 1), so every pattern row finds its parameters
{% call staged_cte(ctes, 'params_0') %}

    select distinct
        pattern_levels.session_rule,
        pattern_levels.comparison,
        pattern_levels.level_order,
        pattern_levels.is_scored,
        case when pattern_levels.is_scored then u_probabilities.m_start else 1.0 end as m_probability,
        case when pattern_levels.is_scored then u_probabilities.u_probability else 1.0 end as u_probability,
        0.5 as match_share
    from pattern_levels
    left join u_probabilities
        on
            pattern_levels.comparison = u_probabilities.comparison
            and pattern_levels.level_order = u_probabilities.level_order

{% endcall %}
{%- for i in range(iterations) %}
{% call cte_group(ctes) %}

    log_odds_{{ i }} as (

        select
            pattern_levels.session_rule,
            pattern_levels.pattern,
            ln(max(params_{{ i }}.match_share) / (1.0 - max(params_{{ i }}.match_share)))
            + sum(ln(params_{{ i }}.m_probability / params_{{ i }}.u_probability)) as log_odds
        from pattern_levels
        inner join params_{{ i }}
            on
                pattern_levels.session_rule = params_{{ i }}.session_rule
                and pattern_levels.comparison = params_{{ i }}.comparison
                and pattern_levels.level_order = params_{{ i }}.level_order
        group by pattern_levels.session_rule, pattern_levels.pattern

    ),

    posterior_{{ i }} as (

        select
            session_rule,
            pattern,
            1.0 / (1.0 + exp(-greatest(least(log_odds, 700), -700))) as match_probability
        from log_odds_{{ i }}

    ),

    sums_{{ i + 1 }} as (

        select
            pattern_levels.session_rule,
            pattern_levels.comparison,
            pattern_levels.level_order,
            pattern_levels.is_scored,
            sum(pattern_levels.pair_count * posterior_{{ i }}.match_probability) as match_weight,
            sum(
                case
                    when pattern_levels.has_values
                        then pattern_levels.pair_count * posterior_{{ i }}.match_probability
                end
            ) as match_weight_with_values,
            sum(pattern_levels.pair_count) as pair_count
        from pattern_levels
        inner join posterior_{{ i }}
            on
                pattern_levels.session_rule = posterior_{{ i }}.session_rule
                and pattern_levels.pattern = posterior_{{ i }}.pattern
        group by
            pattern_levels.session_rule,
            pattern_levels.comparison,
            pattern_levels.level_order,
            pattern_levels.is_scored

    ),

{% endcall %}
{% call staged_cte(ctes, 'params_' ~ (i + 1)) %}

        select
            sums.session_rule,
            sums.comparison,
            sums.level_order,
            sums.is_scored,
            -- pooled over the sessions that score the comparison
            case
                when sums.is_scored
                    then greatest(
                        (
                            sum(case when sums.is_scored then sums.match_weight end)
                                over (partition by sums.comparison, sums.level_order)
                            + u_probabilities.m_start
                        )
                        / (sum(sums.match_weight_with_values) over (partition by sums.comparison) + 1.0),
                        {{ floor }}
                    )
                else 1.0
            end as m_probability,
            case when sums.is_scored then u_probabilities.u_probability else 1.0 end as u_probability,
            -- every pattern has one level per comparison: any comparison's totals are all the session's pairs;
            -- kept inside (0, 1) so its log-odds stay finite when every pair of a session looks like a match
            greatest(
                least(
                    sum(sums.match_weight) over (partition by sums.session_rule, sums.comparison)
                    / sum(sums.pair_count) over (partition by sums.session_rule, sums.comparison),
                    1 - {{ floor }}
                ),
                {{ floor }}
            ) as match_share,
            sum(sums.match_weight_with_values) over (partition by sums.comparison) as training_pairs
        from sums_{{ i + 1 }} as sums
        left join u_probabilities
            on
                sums.comparison = u_probabilities.comparison
                and sums.level_order = u_probabilities.level_order

{% endcall %}
{%- endfor %}

last_round as (

    select
        comparison,
        level_order,
        max(m_probability) as m_probability,
        max(training_pairs) as training_pairs
    from params_{{ iterations }}
    where is_scored
    group by comparison, level_order

),

round_before as (

    select
        comparison,
        level_order,
        max(m_probability) as m_probability
    from params_{{ iterations - 1 }}
    where is_scored
    group by comparison, level_order

),

final as (

    select
        last_round.comparison,
        last_round.level_order,
        last_round.m_probability,
        last_round.training_pairs,
        max(abs(last_round.m_probability - round_before.m_probability)) over () as em_last_change,
        {{ identity_parameters_estimated_at() }} as estimated_at
    from last_round
    inner join round_before
        on
            last_round.comparison = round_before.comparison
            and last_round.level_order = round_before.level_order
    {{- identity_parameters_filter() }}

)

select * from final
