{#-
    The comparison level of every (pair, comparison): a select over `pairs` (columns pair_id, an integer
    unique per pair, left_record_key, right_record_key) giving one row per pair and comparison (columns
    pair_id, comparison, level_order, exact_value) with the first level of seed
    identity_comparisons (lowest level_order) whose test holds; exact_value is the value both records
    share when they agree exactly on a comparison with a term_frequency_adjusted level, else null. `records` has one row per
    customer_record_key with the compared features (int_identity__records), `comparisons` is the seed.
    Used for the candidate pairs and for the random pairs that estimate u, so both are scored alike.
    Similarities are computed once per (pair, comparison) and tested against every level.
-#}
{% macro identity_comparison_levels(pairs, records, comparisons) -%}
    {%- set compared = {
        'first_name': ('first_name', 'first_name_canonical'),
        'last_name': ('last_name', 'last_name'),
        'email': ('email', 'email'),
        'phone_e164': ('phone_e164', 'phone_e164'),
        'date_of_birth': ('date_of_birth_text', 'date_of_birth_text'),
        'postcode': ('postcode', 'postcode'),
        'street': ('street', 'street'),
        'account_id': ('account_id', 'account_id'),
    } -%}
    with cmp_pairs as (
        -- one integer per pair: the level search below groups on it instead of two string keys
        select
            pair_id as pair_row,
            left_record_key,
            right_record_key
        from {{ pairs }}
    ),

    -- which similarity each comparison needs (from the seed): nothing else is computed
    cmp_methods as (
        select
            comparison,
            max(case when method = 'jaro_winkler' then 1 else 0 end) = 1 as uses_jaro_winkler,
            max(case when method = 'levenshtein' then 1 else 0 end) = 1 as uses_levenshtein,
            max(case when term_frequency_adjusted then 1 else 0 end) = 1 as uses_term_frequency
        from {{ comparisons }}
        group by comparison
    ),

    -- both records of a pair side by side, joined once for all comparisons
    cmp_wide as (
        select
            cmp_pairs.pair_row,
            {%- for column in compared.values() | map('list') | sum(start=[]) | unique %}
            cmp_left.{{ column }} as left_{{ column }},
            cmp_right.{{ column }} as right_{{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        from cmp_pairs
        inner join {{ records }} as cmp_left
            on cmp_pairs.left_record_key = cmp_left.customer_record_key
        inner join {{ records }} as cmp_right
            on cmp_pairs.right_record_key = cmp_right.customer_record_key
    ),

    cmp_values as (
        {%- for comparison, columns in compared.items() %}
        select
            pair_row,
            '{{ comparison }}' as comparison,
            left_{{ columns[0] }} as left_value,
            right_{{ columns[0] }} as right_value,
            left_{{ columns[1] }} as left_canonical,
            right_{{ columns[1] }} as right_canonical
        from cmp_wide
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    ),

    cmp_similarities as (
        select
            cmp_values.pair_row,
            cmp_values.comparison,
            cmp_values.left_value is null or cmp_values.right_value is null as is_missing,
            cmp_values.left_value = cmp_values.right_value as is_exact,
            cmp_values.left_canonical = cmp_values.right_canonical as is_alias,
            case
                when cmp_methods.uses_term_frequency and cmp_values.left_value = cmp_values.right_value
                    then cmp_values.left_value
            end as exact_value,
            -- similarities only where a fuzzy level can still be reached (not missing, not exact)
            case
                when
                    cmp_methods.uses_jaro_winkler
                    and cmp_values.left_value <> cmp_values.right_value
                    then {{ jaro_winkler('cmp_values.left_value', 'cmp_values.right_value') }}
            end as jaro_winkler_similarity,
            case
                when
                    cmp_methods.uses_levenshtein
                    and cmp_values.left_value <> cmp_values.right_value
                    then {{ levenshtein('cmp_values.left_value', 'cmp_values.right_value') }}
            end as levenshtein_distance
        from cmp_values
        inner join cmp_methods
            on cmp_values.comparison = cmp_methods.comparison
    ),

    cmp_matched_levels as (
        select
            cmp_similarities.pair_row,
            cmp_similarities.comparison,
            cmp_similarities.exact_value,
            min({{ comparisons }}.level_order) as level_order
        from cmp_similarities
        inner join {{ comparisons }}
            on cmp_similarities.comparison = {{ comparisons }}.comparison
        where
            case {{ comparisons }}.method
                when 'missing' then cmp_similarities.is_missing
                when 'exact' then not cmp_similarities.is_missing and cmp_similarities.is_exact
                when 'alias' then not cmp_similarities.is_missing and cmp_similarities.is_alias
                when 'jaro_winkler'
                    then not cmp_similarities.is_missing
                    and cmp_similarities.jaro_winkler_similarity >= {{ comparisons }}.threshold
                when 'levenshtein'
                    then not cmp_similarities.is_missing
                    and cmp_similarities.levenshtein_distance <= {{ comparisons }}.threshold
                when 'else' then not cmp_similarities.is_missing
                when 'else_neutral' then not cmp_similarities.is_missing
                else false
            end
        group by cmp_similarities.pair_row, cmp_similarities.comparison, cmp_similarities.exact_value
    )

    select
        pair_row as pair_id,
        comparison,
        level_order,
        exact_value
    from cmp_matched_levels
{%- endmacro %}
