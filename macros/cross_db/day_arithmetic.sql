{#- Whole-day arithmetic on dates (attribution's day-grain comparisons, daily spend spines). -#}

{#- Whole days from date `start_expr` to date `end_expr` (end − start; negative when end is earlier). -#}
{% macro days_between(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('days_between', 'cx_analytics')(start_expr, end_expr)) }}
{%- endmacro %}

{% macro duckdb__days_between(start_expr, end_expr) -%}
    date_diff('day', cast({{ start_expr }} as date), cast({{ end_expr }} as date))
{%- endmacro %}

{% macro default__days_between(start_expr, end_expr) -%}
    datediff(day, cast({{ start_expr }} as date), cast({{ end_expr }} as date))
{%- endmacro %}


{#-
    A whole select, used as a CTE body: one row per day from `start_expr` to `end_expr` (both inclusive) of
    every row of `relation`, carrying `carry_columns`; the day is named `day_alias`.
-#}
{% macro day_series_rows(relation, start_expr, end_expr, carry_columns, day_alias) -%}
    {{ return(adapter.dispatch('day_series_rows', 'cx_analytics')(relation, start_expr, end_expr, carry_columns, day_alias)) }}
{%- endmacro %}

{% macro duckdb__day_series_rows(relation, start_expr, end_expr, carry_columns, day_alias) -%}
    select
        {%- for column in carry_columns %}
        {{ column }},
        {%- endfor %}
        cast(unnest(generate_series(
            cast({{ start_expr }} as timestamp), cast({{ end_expr }} as timestamp), interval 1 day
        )) as date) as {{ day_alias }}
    from {{ relation }}
{%- endmacro %}

{#- Spark / Databricks / Trino spelling: explode(sequence(start, end, interval 1 day)). -#}
{% macro default__day_series_rows(relation, start_expr, end_expr, carry_columns, day_alias) -%}
    select
        {%- for column in carry_columns %}
        {{ column }},
        {%- endfor %}
        explode(sequence(cast({{ start_expr }} as date), cast({{ end_expr }} as date), interval 1 day))
            as {{ day_alias }}
    from {{ relation }}
{%- endmacro %}


{% macro spark__days_between(start_expr, end_expr) -%}
    datediff(cast({{ end_expr }} as date), cast({{ start_expr }} as date))
{%- endmacro %}
