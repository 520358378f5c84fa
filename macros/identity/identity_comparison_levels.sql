{#-
    The comparison level of every (pair, comparison): a select over `pairs` (columns pair_id, an integer
    unique per pair, left_record_key, right_record_key) giving one row per pair and comparison (columns
    pair_id, comparison, level_order, exact_value) with the first level of seed
    identity_comparisons (lowest level_order) whose test holds; exact_value is the value both records
    share when they agree exactly on a comparison with a term_frequency_adjusted level, else null. `records` has one row per
    customer_record_key with the compared features (int_identity__records), `comparisons` is the seed.
    Used for the candidate pairs and for the random pairs that estimate u, so both are scored alike.
    Similarities are computed once per (pair, comparison), only those the seed's methods use, and tested
    against every level. Methods (seed column method, threshold):
      missing / exact / else / else_neutral   either side null / equal / anything else
      alias          the comparison's canonical forms agree (nickname seed: Bill ~ William)
      phonetic       the phonetic codes agree (Thompson ~ Thomson)
      jaro_winkler   Jaro-Winkler similarity >= threshold
      levenshtein, damerau_levenshtein   edit distance <= threshold (Damerau: a transposition is one edit)
      token_jaccard  share of shared words >= threshold (street lines with words reordered or dropped)
      swapped        the value equals the other record's swap partner both ways (first and last name
                     exchanged); with a threshold, Jaro-Winkler >= threshold both ways
      day_month_swapped   YYYY-MM-DD texts with the same year and day and month exchanged
      year_apart     same month and day, years at most threshold apart
-#}
{% macro identity_comparison_levels(pairs, records, comparisons) -%}
    {#- per comparison: the compared column and, where a method needs one, its canonical (alias), phonetic
        and swap-partner columns of int_identity__records (seed identity_comparison_columns) -#}
    {%- set compared = {} -%}
    {%- set columns_seed = ref('identity_comparison_columns') -%}  {#- outside the guard: dbt records the ref -#}
    {%- if execute -%}
        {%- set seed_rows = run_query(
            'select comparison, value_column, alias_column, phonetic_column, partner_column from '
            ~ columns_seed ~ ' order by comparison'
        ) -%}
        {%- for row in seed_rows.rows -%}
            {%- set spec = {'value': row[1]} -%}
            {%- for role, column in [('alias', row[2]), ('phonetic', row[3]), ('partner', row[4])] if column -%}
                {%- do spec.update({role: column}) -%}
            {%- endfor -%}
            {%- do compared.update({row[0]: spec}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for spec in compared.values() -%}
        {%- for column in spec.values() if column not in columns -%}
            {%- do columns.append(column) -%}
        {%- endfor -%}
    {%- endfor -%}
    {#- two-value similarities: the dispatch macro computing each and the column holding it -#}
    {%- set pairwise = {
        'jaro_winkler': (jaro_winkler, 'jaro_winkler_similarity'),
        'levenshtein': (levenshtein, 'levenshtein_distance'),
        'damerau_levenshtein': (damerau_levenshtein, 'damerau_levenshtein_distance'),
        'token_jaccard': (token_jaccard, 'token_jaccard_similarity'),
    } -%}
    {#- similarity → the seed methods that need it -#}
    {%- set similarities = {
        'jaro_winkler': ['jaro_winkler'],
        'levenshtein': ['levenshtein'],
        'damerau_levenshtein': ['damerau_levenshtein'],
        'token_jaccard': ['token_jaccard'],
        'swapped': ['swapped'],
        'dates': ['day_month_swapped', 'year_apart'],
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
            {%- for similarity, methods in similarities.items() %}
            max(case when method in ('{{ methods | join("', '") }}') then 1 else 0 end) = 1 as uses_{{ similarity }},
            {%- endfor %}
            max(case when method = 'swapped' then coalesce(threshold, 1.0) end) as swap_threshold,
            max(case when term_frequency_adjusted then 1 else 0 end) = 1 as uses_term_frequency
        from {{ comparisons }}
        group by comparison
    ),

    -- both records of a pair side by side, joined once for all comparisons
    cmp_wide as (
        select
            cmp_pairs.pair_row,
            {%- for column in columns %}
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
        {%- for comparison, spec in compared.items() %}
        select
            pair_row,
            '{{ comparison }}' as comparison,
            {%- for role in ['value', 'alias', 'phonetic', 'partner'] %}
            {%- if role in spec %}
            left_{{ spec[role] }} as left_{{ role }},
            right_{{ spec[role] }} as right_{{ role }}{{ ',' if not loop.last }}
            {%- else %}
            cast(null as {{ dbt.type_string() }}) as left_{{ role }},
            cast(null as {{ dbt.type_string() }}) as right_{{ role }}{{ ',' if not loop.last }}
            {%- endif %}
            {%- endfor %}
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
            cmp_values.left_alias = cmp_values.right_alias as is_alias,
            cmp_values.left_phonetic = cmp_values.right_phonetic as is_phonetic,
            case
                when cmp_methods.uses_term_frequency and cmp_values.left_value = cmp_values.right_value
                    then cmp_values.left_value
            end as exact_value,
            -- similarities only where a fuzzy level can still be reached (not missing, not exact)
            {%- for similarity, (function, column) in pairwise.items() %}
            case
                when cmp_methods.uses_{{ similarity }} and cmp_values.left_value <> cmp_values.right_value
                    then {{ function('cmp_values.left_value', 'cmp_values.right_value') }}
            end as {{ column }},
            {%- endfor %}
            case
                when cmp_methods.uses_swapped and cmp_values.left_value <> cmp_values.right_value
                    then least(
                        case
                            when cmp_values.left_value = cmp_values.right_partner then 1.0
                            else {{ jaro_winkler('cmp_values.left_value', 'cmp_values.right_partner') }}
                        end,
                        case
                            when cmp_values.right_value = cmp_values.left_partner then 1.0
                            else {{ jaro_winkler('cmp_values.right_value', 'cmp_values.left_partner') }}
                        end
                    ) >= cmp_methods.swap_threshold
            end as is_swapped,
            -- YYYY-MM-DD texts: day and month exchanged, or the same day and month some years apart
            case
                when cmp_methods.uses_dates and cmp_values.left_value <> cmp_values.right_value
                    then {{ birth_dates_day_month_swapped('cmp_values.left_value', 'cmp_values.right_value') }}
            end as is_day_month_swapped,
            case
                when cmp_methods.uses_dates and cmp_values.left_value <> cmp_values.right_value
                    then {{ birth_dates_years_apart('cmp_values.left_value', 'cmp_values.right_value') }}
            end as years_apart
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
                when 'phonetic' then not cmp_similarities.is_missing and cmp_similarities.is_phonetic
                when 'jaro_winkler'
                    then not cmp_similarities.is_missing
                    and cmp_similarities.jaro_winkler_similarity >= {{ comparisons }}.threshold
                when 'levenshtein'
                    then not cmp_similarities.is_missing
                    and cmp_similarities.levenshtein_distance <= {{ comparisons }}.threshold
                when 'damerau_levenshtein'
                    then not cmp_similarities.is_missing
                    and cmp_similarities.damerau_levenshtein_distance <= {{ comparisons }}.threshold
                when 'token_jaccard'
                    then not cmp_similarities.is_missing
                    and cmp_similarities.token_jaccard_similarity >= {{ comparisons }}.threshold
                when 'swapped' then not cmp_similarities.is_missing and cmp_similarities.is_swapped
                when 'day_month_swapped' then not cmp_similarities.is_missing and cmp_similarities.is_day_month_swapped
                when 'year_apart'
                    then not cmp_similarities.is_missing
                    and cmp_similarities.years_apart <= {{ comparisons }}.threshold
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


{#- Two YYYY-MM-DD texts with the same year and day and month exchanged (1984-03-17 ~ 1984-17-03). -#}
{% macro birth_dates_day_month_swapped(a, b) -%}
    (
        substr({{ a }}, 1, 4) = substr({{ b }}, 1, 4)
        and substr({{ a }}, 6, 2) = substr({{ b }}, 9, 2)
        and substr({{ a }}, 9, 2) = substr({{ b }}, 6, 2)
    )
{%- endmacro %}


{#- Years between two YYYY-MM-DD texts with the same month and day; null when month or day differ. -#}
{% macro birth_dates_years_apart(a, b) -%}
    case
        when substr({{ a }}, 5) = substr({{ b }}, 5)
            then abs(
                {{ safe_cast('substr(' ~ a ~ ', 1, 4)', 'integer') }}
                - {{ safe_cast('substr(' ~ b ~ ', 1, 4)', 'integer') }}
            )
    end
{%- endmacro %}


{#-
    True when two YYYY-MM-DD birth-date texts can be one date written with one error: equal, one digit
    changed or two adjacent digits exchanged, day and month exchanged, or the same day and month one year
    apart (the typo levels of seed identity_comparisons, with the same macros). The cluster guard cuts only
    clusters holding two dates that are not (int_identity__clusters).
-#}
{% macro birth_dates_compatible(a, b) -%}
    (
        {{ a }} = {{ b }}
        or {{ damerau_levenshtein(a, b) }} <= 1
        or {{ birth_dates_day_month_swapped(a, b) }}
        or coalesce({{ birth_dates_years_apart(a, b) }} <= 1, false)
    )
{%- endmacro %}
