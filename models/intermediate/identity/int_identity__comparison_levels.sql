{#-
    One row per (candidate pair, comparison): which level of seed identity_comparisons the pair reaches
    (exact / alias / fuzzy by Jaro-Winkler or Levenshtein / missing / disagree), and for exact agreement on
    a term-frequency-adjusted comparison the shared value (exact_value). pair_id is the integer
    id of int_identity__candidate_pairs that pair scoring and weight estimation group on.
-#}
with

candidate_pairs as (

    select * from {{ ref('int_identity__candidate_pairs') }}

),

records as (

    select * from {{ ref('int_identity__records') }}

),

comparisons as (

    select * from {{ ref('identity_comparisons') }}

),

levels as (

    {{ identity_comparison_levels('candidate_pairs', 'records', 'comparisons') }}

),

final as (

    select
        levels.pair_id,
        candidate_pairs.pair_key,
        candidate_pairs.left_record_key,
        candidate_pairs.right_record_key,
        levels.comparison,
        levels.level_order,
        comparisons.level_name,
        levels.exact_value
    from levels
    inner join candidate_pairs
        on levels.pair_id = candidate_pairs.pair_id
    inner join comparisons
        on
            levels.comparison = comparisons.comparison
            and levels.level_order = comparisons.level_order

)

select
    pair_id,
    pair_key,
    left_record_key,
    right_record_key,
    comparison,
    level_order,
    level_name,
    exact_value
from final
