{#-
    A cast that yields null instead of failing when the text does not convert ('abc' as integer → null).
    `type` is a SQL type name ('timestamp', 'integer', 'decimal(18, 2)'). Engines without a safe cast fall
    back to a plain cast.
-#}
{% macro safe_cast(expr, type) -%}
    {{ return(adapter.dispatch('safe_cast', 'cx_analytics')(expr, type)) }}
{%- endmacro %}

{% macro duckdb__safe_cast(expr, type) -%}
    try_cast({{ expr }} as {{ type }})
{%- endmacro %}

{% macro snowflake__safe_cast(expr, type) -%}
    try_cast(cast({{ expr }} as varchar) as {{ type }})
{%- endmacro %}

{% macro bigquery__safe_cast(expr, type) -%}
    safe_cast({{ expr }} as {{ type }})
{%- endmacro %}

{% macro default__safe_cast(expr, type) -%}
    cast({{ expr }} as {{ type }})
{%- endmacro %}


{% macro spark__safe_cast(expr, type) -%}
    try_cast({{ expr }} as {{ type }})
{%- endmacro %}


{#- A double rounded to `digits` decimals the way DuckDB does: the value times 10^digits rounded half away from
    zero, divided back (Spark's round(x, d) rounds the exact binary value: 0.39285 → 0.3928 there, 0.3929 here). -#}
{% macro round_double(expr, digits) -%}
    {{ return(adapter.dispatch('round_double', 'cx_analytics')(expr, digits)) }}
{%- endmacro %}

{% macro default__round_double(expr, digits) -%}
    round({{ expr }}, {{ digits }})
{%- endmacro %}

{% macro spark__round_double(expr, digits) -%}
    (round({{ expr }} * {{ 10 ** digits }}) / {{ 10 ** digits }})
{%- endmacro %}
