{#-
    The comparison level of every (pair, comparison): a select over `pairs` (columns left_record_key,
    right_record_key) giving one row per pair and comparison with the first level of seed
    identity_comparisons (lowest level_order) whose test holds. `records` has one row per
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
    with cmp_values as (
        {%- for comparison, columns in compared.items() %}
        select
            {{ pairs }}.left_record_key,
            {{ pairs }}.right_record_key,
            '{{ comparison }}' as comparison,
            cmp_left.{{ columns[0] }} as left_value,
            cmp_right.{{ columns[0] }} as right_value,
            cmp_left.{{ columns[1] }} as left_canonical,
            cmp_right.{{ columns[1] }} as right_canonical
        from {{ pairs }}
        inner join {{ records }} as cmp_left
            on {{ pairs }}.left_record_key = cmp_left.customer_record_key
        inner join {{ records }} as cmp_right
            on {{ pairs }}.right_record_key = cmp_right.customer_record_key
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    ),

    cmp_similarities as (
        select
            left_record_key,
            right_record_key,
            comparison,
            left_value is null or right_value is null as is_missing,
            left_value = right_value as is_exact,
            left_canonical = right_canonical as is_alias,
            {{ jaro_winkler('left_value', 'right_value') }} as jaro_winkler_similarity,
            {{ levenshtein('left_value', 'right_value') }} as levenshtein_distance
        from cmp_values
    ),

    cmp_matched_levels as (
        select
            cmp_similarities.left_record_key,
            cmp_similarities.right_record_key,
            cmp_similarities.comparison,
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
        group by cmp_similarities.left_record_key, cmp_similarities.right_record_key, cmp_similarities.comparison
    )

    select
        left_record_key,
        right_record_key,
        comparison,
        level_order
    from cmp_matched_levels
{%- endmacro %}
