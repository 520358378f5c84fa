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


{#-
    Aggregate key / value rows into one JSON object ({"email": {...}, "phone_e164": {...}}), keys in ascending
    order: the same content must always give the same text, or every build changes the export payloads'
    hashes and the exporter re-sends what Genesys already has (found by bench/mart_hashes.py: without the
    order, 79 k of 90 k journey events differed between two builds of the same data).
-#}
{% macro json_object_agg(key_expr, value_expr) -%}
    {{ return(adapter.dispatch('json_object_agg', 'cx_analytics')(key_expr, value_expr)) }}
{%- endmacro %}

{% macro duckdb__json_object_agg(key_expr, value_expr) -%}
    {#- json_group_object keeps keys in the order it meets them, so two builds of the same rows could give two
        texts (and payload hashes). The "key":value members, sorted as texts, give one text: a plain list plus
        list_sort is several times cheaper than an aggregate with ORDER BY (which sorts inside every group). -#}
    cast(
        '{' || array_to_string(list_sort(list(
            to_json(cast({{ key_expr }} as varchar)) || ':' || coalesce(cast(to_json({{ value_expr }}) as varchar), 'null')
        )), ',') || '}' as json
    )
{%- endmacro %}

{% macro default__json_object_agg(key_expr, value_expr) -%}
    json_object_agg({{ key_expr }}, {{ value_expr }} order by {{ key_expr }})
{%- endmacro %}
