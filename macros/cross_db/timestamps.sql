{#- The current time as a UTC timestamp without zone (macro reference_time's 'now'). -#}
{% macro current_utc_timestamp() -%}
    {{ return(adapter.dispatch('current_utc_timestamp', 'cx_analytics')()) }}
{%- endmacro %}

{% macro duckdb__current_utc_timestamp() -%}
    timezone('UTC', current_timestamp)
{%- endmacro %}

{% macro default__current_utc_timestamp() -%}
    cast(current_timestamp at time zone 'UTC' as timestamp)
{%- endmacro %}


{#- Spark: timestamps are instants shown in the session zone, which profiles.yml sets to UTC. -#}
{% macro spark__current_utc_timestamp() -%}
    current_timestamp()
{%- endmacro %}
