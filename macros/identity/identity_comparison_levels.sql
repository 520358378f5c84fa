{#-
    The comparison level of every (pair, comparison): a select over `pairs` (columns pair_id, an integer
    unique per pair, left_record_key, right_record_key) giving one row per pair and comparison (columns
    pair_id, comparison, level_order, exact_value) with the first level of seed
    identity_comparisons (lowest level_order) whose test holds; exact_value is the value both records
    share when they agree exactly on a comparison with a term_frequency_adjusted level, else null. `records` has one row per
    customer_record_key with the compared features (int_identity__records).
    Used for the candidate pairs and for the random pairs that estimate u, so both are scored alike.
    Similarities are computed once per (pair, comparison), only those the seed's methods use, and tested
    against the comparison's levels in order. Methods (seed column method, threshold):
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
{% macro identity_comparison_levels(pairs, records) -%}
    {#- Both seeds are read when the model compiles (they are configuration, loaded by `dbt seed` before any
        model): per comparison, the compared columns of int_identity__records (identity_comparison_columns)
        and the ordered levels (identity_comparisons). Each comparison then computes only the similarities its own
        levels use and takes its level with one CASE: no join of every (pair, comparison) to every level and no
        grouping (66 M rows on `large`). -#}
    {%- set compared = {} -%}
    {%- set levels = {} -%}
    {%- set columns_seed = ref('identity_comparison_columns') -%}  {#- outside the guard: dbt records the ref -#}
    {%- set levels_seed = ref('identity_comparisons') -%}
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
        {%- set level_rows = run_query(
            'select comparison, level_order, method, threshold, term_frequency_adjusted from '
            ~ levels_seed ~ ' order by comparison, level_order'
        ) -%}
        {%- for row in level_rows.rows -%}
            {%- do levels.setdefault(row[0], []).append({
                'level_order': row[1], 'method': row[2], 'threshold': row[3], 'term_frequency': row[4]
            }) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for spec in compared.values() -%}
        {%- for column in spec.values() if column not in columns -%}
            {%- do columns.append(column) -%}
        {%- endfor -%}
    {%- endfor -%}
    {#- two-value similarities: the seed method, the dispatch macro computing it and the column holding it -#}
    {%- set pairwise = {
        'jaro_winkler': (jaro_winkler, 'jaro_winkler_similarity'),
        'levenshtein': (levenshtein, 'levenshtein_distance'),
        'damerau_levenshtein': (damerau_levenshtein, 'damerau_levenshtein_distance'),
        'token_jaccard': (token_jaccard, 'token_jaccard_similarity'),
    } -%}
    {%- set swap_thresholds = {} -%}
    {%- set term_frequency = [] -%}
    {%- for comparison, comparison_levels in levels.items() -%}
        {%- for level in comparison_levels -%}
            {%- if level.method == 'swapped' -%}
                {%- do swap_thresholds.update({comparison: level.threshold if level.threshold is not none else 1.0}) -%}
            {%- endif -%}
            {%- if level.term_frequency and comparison not in term_frequency -%}
                {%- do term_frequency.append(comparison) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    with cmp_pairs as (
        -- one integer per pair: the level search below groups on it instead of two string keys
        select
            pair_id as pair_row,
            left_record_key,
            right_record_key
        from {{ pairs }}
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

    {%- for comparison, spec in compared.items() if comparison in levels %}
    {%- set methods = levels[comparison] | map(attribute='method') | list %}
    {%- set value = ('left_' ~ spec.value, 'right_' ~ spec.value) %}

    -- {{ comparison }}: the similarities its levels use, only where a fuzzy level can still be reached (both
    -- values present and different)
    cmp_similarities_{{ loop.index }} as (
        select
            pair_row,
            {{ value[0] }} is null or {{ value[1] }} is null as is_missing,
            {{ value[0] }} = {{ value[1] }} as is_exact,
            {%- for role in ['alias', 'phonetic'] if role in methods %}
            {%- if role in spec %}
            left_{{ spec[role] }} = right_{{ spec[role] }} as is_{{ role }},
            {%- else %}
            cast(null as boolean) as is_{{ role }},
            {%- endif %}
            {%- endfor %}
            {%- for similarity, (function, column) in pairwise.items() if similarity in methods %}
            {#- an edit distance is at least the length difference: past the largest threshold no level can hold -#}
            {%- set thresholds = [] %}
            {%- for level in levels[comparison] if level.method == similarity and level.threshold is not none %}
                {%- do thresholds.append(level.threshold) %}
            {%- endfor %}
            case
                when {{ value[0] }} <> {{ value[1] }}
                    {%- if similarity in ('levenshtein', 'damerau_levenshtein') and thresholds %}
                    and abs(length({{ value[0] }}) - length({{ value[1] }})) <= {{ thresholds | max }}
                    {%- endif %}
                    then {{ function(value[0], value[1]) }}
            end as {{ column }},
            {%- endfor %}
            {%- if 'swapped' in methods %}
            {%- if 'partner' in spec %}
            case
                when {{ value[0] }} <> {{ value[1] }}
                    then least(
                        case
                            when {{ value[0] }} = right_{{ spec.partner }} then 1.0
                            else {{ jaro_winkler(value[0], 'right_' ~ spec.partner) }}
                        end,
                        case
                            when {{ value[1] }} = left_{{ spec.partner }} then 1.0
                            else {{ jaro_winkler(value[1], 'left_' ~ spec.partner) }}
                        end
                    ) >= {{ swap_thresholds[comparison] }}
            end as is_swapped,
            {%- else %}
            cast(null as boolean) as is_swapped,
            {%- endif %}
            {%- endif %}
            {%- if 'day_month_swapped' in methods %}
            case
                when {{ value[0] }} <> {{ value[1] }}
                    then {{ birth_dates_day_month_swapped(value[0], value[1]) }}
            end as is_day_month_swapped,
            {%- endif %}
            {%- if 'year_apart' in methods %}
            case
                when {{ value[0] }} <> {{ value[1] }}
                    then {{ birth_dates_years_apart(value[0], value[1]) }}
            end as years_apart,
            {%- endif %}
            {%- if comparison in term_frequency %}
            case when {{ value[0] }} = {{ value[1] }} then {{ value[0] }} end as exact_value
            {%- else %}
            cast(null as {{ dbt.type_string() }}) as exact_value
            {%- endif %}
        from cmp_wide
    ),
    {%- endfor %}

    -- per comparison, the first level (lowest level_order) whose test holds
    cmp_matched_levels as (
        {%- for comparison in compared if comparison in levels %}
        select
            pair_row,
            '{{ comparison }}' as comparison,
            exact_value,
            case
                {%- for level in levels[comparison] %}
                when {{ _cmp_level_test(level.method, level.threshold) }} then {{ level.level_order }}
                {%- endfor %}
            end as level_order
        from cmp_similarities_{{ loop.index }}
        {%- if not levels[comparison] | selectattr('method', 'in', ['else', 'else_neutral']) | list %}
        -- no catch-all level: a pair no level takes has no row for this comparison
        where
            case
                {%- for level in levels[comparison] %}
                when {{ _cmp_level_test(level.method, level.threshold) }} then true
                {%- endfor %}
            end
        {%- endif %}
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    )

    select
        pair_row as pair_id,
        comparison,
        level_order,
        exact_value
    from cmp_matched_levels
{%- endmacro %}


{#- The test of one level of seed identity_comparisons over the columns of cmp_similarities (a null
    threshold never holds, as `x >= null` does not). -#}
{% macro _cmp_level_test(method, threshold) -%}
    {%- set limit = threshold if threshold is not none else 'null' -%}
    {%- set tests = {
        'missing': 'is_missing',
        'exact': 'not is_missing and is_exact',
        'alias': 'not is_missing and is_alias',
        'phonetic': 'not is_missing and is_phonetic',
        'jaro_winkler': 'not is_missing and jaro_winkler_similarity >= ' ~ limit,
        'levenshtein': 'not is_missing and levenshtein_distance <= ' ~ limit,
        'damerau_levenshtein': 'not is_missing and damerau_levenshtein_distance <= ' ~ limit,
        'token_jaccard': 'not is_missing and token_jaccard_similarity >= ' ~ limit,
        'swapped': 'not is_missing and is_swapped',
        'day_month_swapped': 'not is_missing and is_day_month_swapped',
        'year_apart': 'not is_missing and years_apart <= ' ~ limit,
        'else': 'not is_missing',
        'else_neutral': 'not is_missing',
    } -%}
    {{- tests.get(method, 'false') -}}
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
