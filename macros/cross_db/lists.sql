{#-
    Lists / arrays. `unnest_rows` is a whole select: one row per element of a list column, with its
    1-based position and the parent columns to carry along. Use it as a CTE body:
        participants as (
            {{ unnest_rows('latest', 'latest.conversation.participants', ['conversation_id'],
                           'participant', 'participant_index') }}
        )
    DuckDB unnests in the select list (a lateral join with ordinality is ~50x slower there).
-#}

{% macro unnest_rows(relation, list_expr, carry_columns, value_alias, index_alias) -%}
    {{ return(adapter.dispatch('unnest_rows', 'cx_analytics')(relation, list_expr, carry_columns, value_alias, index_alias)) }}
{%- endmacro %}

{% macro duckdb__unnest_rows(relation, list_expr, carry_columns, value_alias, index_alias) -%}
    select
        {%- for column in carry_columns %}
        {{ column }},
        {%- endfor %}
        unnest({{ list_expr }}) as {{ value_alias }},
        generate_subscripts({{ list_expr }}, 1) as {{ index_alias }}
    from {{ relation }}
{%- endmacro %}

{% macro default__unnest_rows(relation, list_expr, carry_columns, value_alias, index_alias) -%}
    select
        {%- for column in carry_columns %}
        {{ column }},
        {%- endfor %}
        _u.{{ value_alias }},
        _u.{{ index_alias }}
    from {{ relation }}
    cross join unnest({{ list_expr }}) with ordinality as _u ({{ value_alias }}, {{ index_alias }})
{%- endmacro %}


{% macro list_length(list_expr) -%}
    {{ return(adapter.dispatch('list_length', 'cx_analytics')(list_expr)) }}
{%- endmacro %}

{% macro duckdb__list_length(list_expr) -%}
    len({{ list_expr }})
{%- endmacro %}

{% macro default__list_length(list_expr) -%}
    cardinality({{ list_expr }})
{%- endmacro %}


{#- Aggregate distinct values into a sorted list. -#}
{% macro list_agg_distinct(expr) -%}
    {{ return(adapter.dispatch('list_agg_distinct', 'cx_analytics')(expr)) }}
{%- endmacro %}

{% macro duckdb__list_agg_distinct(expr) -%}
    list_sort(list(distinct {{ expr }}))
{%- endmacro %}

{% macro default__list_agg_distinct(expr) -%}
    array_agg(distinct {{ expr }} order by {{ expr }})
{%- endmacro %}


{#- Value of a string-keyed map (participant attributes). -#}
{% macro map_get(map_expr, key) -%}
    {{ return(adapter.dispatch('map_get', 'cx_analytics')(map_expr, key)) }}
{%- endmacro %}

{% macro duckdb__map_get(map_expr, key) -%}
    {{ map_expr }}[{{ key }}]
{%- endmacro %}

{% macro default__map_get(map_expr, key) -%}
    element_at({{ map_expr }}, {{ key }})
{%- endmacro %}


{#- The value of `value_expr` on the row with the smallest `order_expr` in the group. -#}
{% macro min_by(value_expr, order_expr) -%}
    {{ return(adapter.dispatch('min_by', 'cx_analytics')(value_expr, order_expr)) }}
{%- endmacro %}

{% macro default__min_by(value_expr, order_expr) -%}
    min_by({{ value_expr }}, {{ order_expr }})
{%- endmacro %}


{% macro max_by(value_expr, order_expr) -%}
    {{ return(adapter.dispatch('max_by', 'cx_analytics')(value_expr, order_expr)) }}
{%- endmacro %}

{% macro default__max_by(value_expr, order_expr) -%}
    max_by({{ value_expr }}, {{ order_expr }})
{%- endmacro %}


{#- A composite ordering value for min_by / max_by: its fields compare in turn (DuckDB: a row value; Spark: a
    struct). A field that may be null needs an `is null` flag before it: engines order null fields differently. -#}
{% macro ordering_key(exprs) -%}
    {{ return(adapter.dispatch('ordering_key', 'cx_analytics')(exprs)) }}
{%- endmacro %}

{% macro duckdb__ordering_key(exprs) -%}
    row({{ exprs | join(', ') }})
{%- endmacro %}

{% macro default__ordering_key(exprs) -%}
    struct({{ exprs | join(', ') }})
{%- endmacro %}


{#- A whole select: one row per integer from `first` to `last` (inclusive) in column `alias`. -#}
{% macro integer_series_rows(first, last, alias) -%}
    {{ return(adapter.dispatch('integer_series_rows', 'cx_analytics')(first, last, alias)) }}
{%- endmacro %}

{% macro duckdb__integer_series_rows(first, last, alias) -%}
    select cast(unnest(range({{ first }}, {{ last }} + 1)) as bigint) as {{ alias }}
{%- endmacro %}

{% macro default__integer_series_rows(first, last, alias) -%}
    select cast({{ alias }} as bigint) as {{ alias }}
    from generate_series({{ first }}, {{ last }}) as series ({{ alias }})
{%- endmacro %}


{#- Spark: posexplode (0-based) in a lateral view; like DuckDB's unnest it gives no row for a null or empty list. -#}
{% macro spark__unnest_rows(relation, list_expr, carry_columns, value_alias, index_alias) -%}
    select
        {%- for column in carry_columns %}
        {{ column }},
        {%- endfor %}
        _u_{{ value_alias }} as {{ value_alias }},
        _u_position + 1 as {{ index_alias }}
    from {{ relation }}
    lateral view posexplode({{ list_expr }}) _u as _u_position, _u_{{ value_alias }}
{%- endmacro %}

{#- size() says -1 for a null list when ANSI mode is off: null stays null. -#}
{% macro spark__list_length(list_expr) -%}
    case when {{ list_expr }} is not null then size({{ list_expr }}) end
{%- endmacro %}

{% macro spark__list_agg_distinct(expr) -%}
    array_sort(collect_set({{ expr }}))
{%- endmacro %}

{% macro spark__map_get(map_expr, key) -%}
    try_element_at({{ map_expr }}, {{ key }})
{%- endmacro %}

{% macro spark__integer_series_rows(first, last, alias) -%}
    select cast({{ alias }} as bigint) as {{ alias }}
    from (select explode(sequence(cast({{ first }} as bigint), cast({{ last }} as bigint))) as {{ alias }}) as series
{%- endmacro %}
