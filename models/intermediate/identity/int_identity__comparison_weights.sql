{#-
    Fellegi–Sunter weights estimated from the data itself. One row per (comparison, level_order) of
    seed identity_comparisons with:
      u = P(level | two different people): for 'exact' levels the chance two different records picked
          at random share a value, Σ_v n_v (n_v − 1) / (n (n − 1)) over the field's values; for the
          'interaction' level the share of all record pairs an interaction links; for the other
          levels the level's share among var('identity_u_sample_pairs') random record pairs (pseudo-random
          by md5 order), Laplace smoothed (random pairs are almost all non-matches);
      m = P(level | same person): the level's share among high-confidence candidate pairs with a value on
          both sides (neutral levels count in the denominator), leave-one-out
          (a pair trains comparison c only on the evidence of the other comparisons), smoothed by the
          seed's m_start as one pseudo-pair;
      prior = λ, the share of all record pairs that match (Bayes factors compare with random pairs):
          EM from the high-confidence share, λ ← Σ P(match) over candidate pairs / all pairs;
      bayes_factor = m / u, match_weight = log2(m / u). The 'missing' level has weight 0.
-#}
{%- set offsets = var('identity_u_sample_offsets') | int -%}
{%- set probability_floor = 0.00001 -%}

with

records as (

    select * from {{ ref('int_identity__records') }}

),

comparisons as (

    select * from {{ ref('identity_comparisons') }}

),

comparison_levels as (

    select * from {{ ref('int_identity__comparison_levels') }}

),

value_counts as (

    select * from {{ ref('int_identity__value_frequencies') }}

),

interaction_links as (

    select * from {{ ref('int_identity__interaction_links') }}

),

-- u, part 1: random pairs (record i with record i + k·stride in md5 order, k = 1..offsets)
numbered_records as (

    select
        customer_record_key,
        row_number() over (order by {{ md5_hex('customer_record_key') }}, customer_record_key) as record_number,
        count(*) over () as record_count
    from records

),

sample_offsets as (

    select record_number as sample_offset
    from numbered_records
    where record_number <= {{ offsets }}

),

sampled_partners as (

    select
        numbered_records.customer_record_key as left_record_key,
        mod(
            numbered_records.record_number - 1
            + sample_offsets.sample_offset
            * greatest(floor(numbered_records.record_count / ({{ offsets }} + 1)), 1),
            numbered_records.record_count
        )
        + 1 as partner_number
    from numbered_records
    cross join sample_offsets
    where numbered_records.record_number <= {{ var('identity_u_sample_pairs') }} / {{ offsets }}

),

random_pairs as (

    select
        row_number() over () as pair_id,
        sampled_partners.left_record_key,
        numbered_records.customer_record_key as right_record_key
    from sampled_partners
    inner join numbered_records
        on sampled_partners.partner_number = numbered_records.record_number
    where sampled_partners.left_record_key <> numbered_records.customer_record_key

),

random_levels as (

    {{ identity_comparison_levels('random_pairs', 'records', 'comparisons') }}

),

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
    where comparisons.method not in ('missing', 'else_neutral')
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

u_estimates as (

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
        ) as u_probability
    from comparisons
    left join random_level_shares
        on
            comparisons.comparison = random_level_shares.comparison
            and comparisons.level_order = random_level_shares.level_order
    left join exact_chance
        on comparisons.comparison = exact_chance.comparison
    cross join interaction_chance
    where comparisons.method not in ('missing', 'else_neutral')

),

-- m: level shares among high-confidence pairs, leave-one-out (seed 002: never trust one field alone).
-- A pair trains comparison c when the other comparisons, weighted with the seed's m_start and the u above,
-- reach var('identity_training_min_weight') bits and one of the anchors (email, account_id, date of
-- birth) other than c agrees exactly — so households sharing phone, street and last name never train m.
start_weights as (

    select
        comparison,
        level_order,
        method,
        ln(m_start / u_probability) / ln(2.0) as match_weight
    from u_estimates

),

pair_start_weights as (

    select
        comparison_levels.pair_id,
        comparison_levels.comparison,
        comparison_levels.level_order,
        coalesce(start_weights.match_weight, 0) as match_weight,
        coalesce(
            start_weights.method = 'exact'
            and comparison_levels.comparison in ({{ "'" ~ var('identity_anchor_comparisons') | join("', '") ~ "'" }}),
            false
        ) as is_anchor_agreement
    from comparison_levels
    left join start_weights
        on
            comparison_levels.comparison = start_weights.comparison
            and comparison_levels.level_order = start_weights.level_order

),

pair_start_totals as (

    select
        pair_id,
        sum(match_weight) as total_weight,
        sum(case when is_anchor_agreement then 1 else 0 end) as anchor_agreements
    from pair_start_weights
    group by pair_id

),

training_levels as (

    select
        pair_start_weights.comparison,
        pair_start_weights.level_order,
        count(*) as pair_count
    from pair_start_weights
    inner join pair_start_totals
        on pair_start_weights.pair_id = pair_start_totals.pair_id
    where
        pair_start_totals.total_weight - pair_start_weights.match_weight >= {{ var('identity_training_min_weight') }}
        and pair_start_totals.anchor_agreements - case when pair_start_weights.is_anchor_agreement then 1 else 0 end
        >= 1
    group by pair_start_weights.comparison, pair_start_weights.level_order

),

-- m's denominator: the training pairs with a value on both sides, at any level, neutral ones included
-- (a street that differs, a pair no interaction links: P(level | same person) counts them too)
training_totals as (

    select
        training_levels.comparison,
        sum(training_levels.pair_count) as pair_count
    from training_levels
    inner join comparisons
        on
            training_levels.comparison = comparisons.comparison
            and training_levels.level_order = comparisons.level_order
    where comparisons.method <> 'missing'
    group by training_levels.comparison

),

m_estimates as (

    select
        u_estimates.comparison,
        u_estimates.level_order,
        coalesce(training_levels.pair_count, 0) as training_pairs,
        (coalesce(training_levels.pair_count, 0) + u_estimates.m_start)
        / (coalesce(training_totals.pair_count, 0) + 1.0) as m_probability
    from u_estimates
    left join training_levels
        on
            u_estimates.comparison = training_levels.comparison
            and u_estimates.level_order = training_levels.level_order
    left join training_totals
        on u_estimates.comparison = training_totals.comparison

),

-- prior: EM on the share λ of all record pairs that match (the Bayes factors compare a pair with random
-- pairs, so λ is per random pair). Start from the high-confidence pairs, then
-- λ ← Σ_candidate-pairs P(match | evidence, λ) / all pairs, var('identity_prior_em_iterations') times;
-- pairs outside the blocks count as non-matches.
prior_0 as (

    select
        greatest(
            count(*) * 2.0 / ((select count(*) from records) * ((select count(*) from records) - 1.0)),
            {{ probability_floor }} / 1000
        ) as prior_match_probability
    from pair_start_totals
    where
        total_weight >= {{ var('identity_training_min_weight') }}
        and anchor_agreements >= 1

),

level_weights as (

    select
        u_estimates.comparison,
        u_estimates.level_order,
        ln(greatest(m_estimates.m_probability, {{ probability_floor }}) / u_estimates.u_probability) / ln(2.0)
            as match_weight
    from u_estimates
    inner join m_estimates
        on
            u_estimates.comparison = m_estimates.comparison
            and u_estimates.level_order = m_estimates.level_order

),

pair_evidence as (

    select
        comparison_levels.pair_id,
        sum(coalesce(level_weights.match_weight, 0)) as evidence_weight
    from comparison_levels
    left join level_weights
        on
            comparison_levels.comparison = level_weights.comparison
            and comparison_levels.level_order = level_weights.level_order
    group by comparison_levels.pair_id

),

-- the per-pair evidence is computed once; the EM rounds below read its histogram (pairs per distinct
-- evidence weight: a few thousand rows, since a weight is a sum of one level weight per comparison)
evidence_histogram as (

    select
        evidence_weight,
        count(*) as pair_count
    from pair_evidence
    group by evidence_weight

),

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

prior as (

    select prior_match_probability
    from prior_{{ var('identity_prior_em_iterations') | int }}

),

estimated as (

    select
        u_estimates.comparison,
        u_estimates.level_order,
        u_estimates.level_name,
        u_estimates.method,
        greatest(m_estimates.m_probability, {{ probability_floor }}) as m_probability,
        u_estimates.u_probability,
        u_estimates.u_source,
        m_estimates.training_pairs,
        prior.prior_match_probability
    from u_estimates
    inner join m_estimates
        on
            u_estimates.comparison = m_estimates.comparison
            and u_estimates.level_order = m_estimates.level_order
    cross join prior

),

missing_levels as (

    select
        comparisons.comparison,
        comparisons.level_order,
        comparisons.level_name,
        comparisons.method,
        cast(null as double) as m_probability,
        cast(null as double) as u_probability,
        'none' as u_source,
        0 as training_pairs,
        prior.prior_match_probability
    from comparisons
    cross join prior
    where comparisons.method in ('missing', 'else_neutral')

),

final as (

    select
        comparison,
        level_order,
        level_name,
        method,
        m_probability,
        u_probability,
        u_source,
        training_pairs,
        m_probability / u_probability as bayes_factor,
        ln(m_probability / u_probability) / ln(2.0) as match_weight,
        prior_match_probability
    from estimated

    union all

    select
        comparison,
        level_order,
        level_name,
        method,
        m_probability,
        u_probability,
        u_source,
        training_pairs,
        1.0 as bayes_factor,
        0.0 as match_weight,
        prior_match_probability
    from missing_levels

)

select
    comparison,
    level_order,
    level_name,
    method,
    m_probability,
    u_probability,
    u_source,
    training_pairs,
    bayes_factor,
    match_weight,
    prior_match_probability
from final
