{#-
    Fellegi–Sunter weights: one row per level of seed identity_comparisons (grain: comparison, level_order)
    with m (int_identity__m_probabilities, expectation maximisation over the candidate pairs), u
    (int_identity__u_probabilities, random pairs and value frequencies), bayes_factor = m / u and
    match_weight = log2(m / u). 'missing' and 'else_neutral' levels weigh 0.
    prior_match_probability is per random record pair (the Bayes factors compare with random pairs):
    the expected matches among the candidates (EM's share × candidate pairs) over all record pairs; pairs
    outside the blocks count as non-matches.
-#}
{%- set probability_floor = 0.000001 -%}

with

comparisons as (

    select * from {{ ref('identity_comparisons') }}

),

u_probabilities as (

    select * from {{ ref('int_identity__u_probabilities') }}

),

m_probabilities as (

    select * from {{ ref('int_identity__m_probabilities') }}

),

records as (

    select * from {{ ref('int_identity__records') }}

),

record_pairs as (

    select count(*) * (count(*) - 1.0) / 2.0 as all_pairs
    from records

),

prior as (

    select
        greatest(
            max(m_probabilities.em_match_share) * max(m_probabilities.candidate_pairs)
            / max(record_pairs.all_pairs),
            {{ probability_floor }} / 1000
        ) as prior_match_probability
    from m_probabilities
    cross join record_pairs

),

final as (

    select
        comparisons.comparison,
        comparisons.level_order,
        comparisons.level_name,
        comparisons.method,
        -- a level no candidate pair reached: only its smoothing
        case
            when u_probabilities.u_probability is not null
                then coalesce(m_probabilities.m_probability, {{ probability_floor }})
        end as m_probability,
        u_probabilities.u_probability,
        coalesce(u_probabilities.u_source, 'none') as u_source,
        case
            when u_probabilities.u_probability is not null
                then coalesce(m_probabilities.m_probability, {{ probability_floor }}) / u_probabilities.u_probability
            else 1.0
        end as bayes_factor,
        prior.prior_match_probability
    from comparisons
    left join u_probabilities
        on
            comparisons.comparison = u_probabilities.comparison
            and comparisons.level_order = u_probabilities.level_order
    left join m_probabilities
        on
            comparisons.comparison = m_probabilities.comparison
            and comparisons.level_order = m_probabilities.level_order
    cross join prior

)

select
    comparison,
    level_order,
    level_name,
    method,
    m_probability,
    u_probability,
    u_source,
    bayes_factor,
    ln(bayes_factor) / ln(2.0) as match_weight,
    prior_match_probability
from final
