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


{#- A double rounded to `digits` decimals the same way on every engine: first to 12 decimals as a decimal (which
    absorbs a double's last-bit noise), then half away from zero. Rounding the double itself is not portable:
    DuckDB rounds its exact binary value (0.76015, stored as 0.76014999…, → 0.7601) and Spark's round(x · 10^d) /
    10^d gives 0.7602; the full demo's exported propensity scores showed both. For values below 10^26. -#}
{% macro round_double(expr, digits) -%}
    cast(round(cast({{ expr }} as decimal(38, 12)), {{ digits }}) as double)
{%- endmacro %}
