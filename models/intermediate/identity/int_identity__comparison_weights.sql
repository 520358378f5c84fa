{{ config(
    materialized='incremental',
    unique_key=['comparison', 'level_order'],
    pre_hook="{{ identity_parameters_pre_hook() }}"
) }}
{#- Re-estimated on a schedule (macros/identity/identity_parameters.sql): when not due, this run keeps the stored
    rows. -#}
{#-
    The per-pair evidence is summed once (pair_evidence); the prior's re-estimation rounds read its
    histogram (evidence_histogram), not the pairs. The histogram and the pair count are staged CTEs
    (macros/cross_db/staged_ctes.sql): Spark would otherwise recompute them, pairs and all, in every round.
-#}
{%- set probability_floor = 0.000001 -%}
{%- set ctes = [] %}

with

{% call cte_group(ctes) %}
comparisons as (

    select * from {{ ref('identity_comparisons') }}

),

u_probabilities as (

    select * from {{ ref('int_identity__u_probabilities') }}

),

m_probabilities as (

    select * from {{ ref('int_identity__m_probabilities') }}

),

comparison_levels as (

    select * from {{ ref('int_identity__comparison_levels') }}

),

records as (

    select * from {{ ref('int_identity__records') }}

),

level_probabilities as (

    select
        comparisons.comparison,
        comparisons.level_order,
        comparisons.level_name,
        comparisons.method,
        case
            when u_probabilities.u_probability is not null
                then coalesce(m_probabilities.m_probability, u_probabilities.m_start)
        end as m_probability,
        u_probabilities.u_probability,
        coalesce(u_probabilities.u_source, 'none') as u_source,
        coalesce(m_probabilities.training_pairs, 0) as training_pairs
    from comparisons
    left join u_probabilities
        on
            comparisons.comparison = u_probabilities.comparison
            and comparisons.level_order = u_probabilities.level_order
    left join m_probabilities
        on
            comparisons.comparison = m_probabilities.comparison
            and comparisons.level_order = m_probabilities.level_order

),

-- levels that do not weigh (no u) have a Bayes factor of 1
level_weights as (

    select
        level_probabilities.*,
        coalesce(level_probabilities.m_probability / level_probabilities.u_probability, 1.0) as bayes_factor
    from level_probabilities

),
{% endcall %}

{% call staged_cte(ctes, 'record_pairs') %}

    select count(*) * (count(*) - 1.0) / 2.0 as all_pairs
    from records

{% endcall %}

{% call cte_group(ctes) %}
pair_evidence as (

    select
        comparison_levels.pair_id,
        sum(ln(level_weights.bayes_factor) / ln(2.0)) as evidence_weight
    from comparison_levels
    inner join level_weights
        on
            comparison_levels.comparison = level_weights.comparison
            and comparison_levels.level_order = level_weights.level_order
    group by comparison_levels.pair_id

),
{% endcall %}

{% call staged_cte(ctes, 'evidence_histogram') %}

    select
        evidence_weight,
        count(*) as pair_count
    from pair_evidence
    group by evidence_weight

{% endcall %}

prior_0 as (

    select
        greatest(
            sum(case when evidence_histogram.evidence_weight > 0 then evidence_histogram.pair_count else 0 end)
            / max(record_pairs.all_pairs),
            {{ probability_floor }} / 1000
        ) as prior_match_probability
    from evidence_histogram
    cross join record_pairs

),
-- sqlfluff misreads the indentation of a loop after call blocks (staged CTEs)
-- noqa: disable=LT02
{%- for i in range(var('identity_prior_em_iterations') | int) %}

    prior_{{ i + 1 }} as (

        select
            greatest(
                sum(
                    evidence_histogram.pair_count / (
                        1.0 + power(
                            2.0,
                            -greatest(
                                least(
                                    ln(
                                        prior_{{ i }}.prior_match_probability
                                        / (1.0 - prior_{{ i }}.prior_match_probability)
                                    )
                                    / ln(2.0)
                                    + evidence_histogram.evidence_weight,
                                    60
                                ),
                                -60
                            )
                        )
                    )
                ) / max(record_pairs.all_pairs),
                {{ probability_floor }} / 1000
            ) as prior_match_probability
        from evidence_histogram
        cross join prior_{{ i }}
        cross join record_pairs

    ),
{%- endfor %}
-- noqa: enable=LT02

final as (

    select
        level_weights.comparison,
        level_weights.level_order,
        level_weights.level_name,
        level_weights.method,
        level_weights.m_probability,
        level_weights.u_probability,
        level_weights.u_source,
        level_weights.training_pairs,
        level_weights.bayes_factor,
        ln(level_weights.bayes_factor) / ln(2.0) as match_weight,
        prior_{{ var('identity_prior_em_iterations') | int }}.prior_match_probability,
        {{ identity_parameters_estimated_at() }} as estimated_at
    from level_weights
    cross join prior_{{ var('identity_prior_em_iterations') | int }}
    {{- identity_parameters_filter() }}

)

select * from final
