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
