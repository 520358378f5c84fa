{#- Aggregates whose spelling differs between engines (identity resolution). -#}

{#- Concatenate text values in a given order: string_agg(expr, sep order by order_by). -#}
{% macro string_agg_ordered(expr, separator, order_by) -%}
    {{ return(adapter.dispatch('string_agg_ordered', 'cx_analytics')(expr, separator, order_by)) }}
{%- endmacro %}

{% macro duckdb__string_agg_ordered(expr, separator, order_by) -%}
    string_agg({{ expr }}, '{{ separator }}' order by {{ order_by }})
{%- endmacro %}

{% macro default__string_agg_ordered(expr, separator, order_by) -%}
    listagg({{ expr }}, '{{ separator }}') within group (order by {{ order_by }})
{%- endmacro %}


{#- Aggregate key / value rows into one JSON object ({"email": {...}, "phone_e164": {...}}). -#}
{% macro json_object_agg(key_expr, value_expr) -%}
    {{ return(adapter.dispatch('json_object_agg', 'cx_analytics')(key_expr, value_expr)) }}
{%- endmacro %}

{% macro duckdb__json_object_agg(key_expr, value_expr) -%}
    json_group_object({{ key_expr }}, {{ value_expr }})
{%- endmacro %}

{% macro default__json_object_agg(key_expr, value_expr) -%}
    json_object_agg({{ key_expr }}, {{ value_expr }})
{%- endmacro %}
