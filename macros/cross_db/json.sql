{#-
    JSON access. Paths are JSONPath strings ('$.a.b'). DuckDB implementations use its JSON extension;
    the default__ versions are the ANSI SQL/JSON functions most warehouses accept.
-#}

{% macro json_get_text(json_expr, path) -%}
    {{ return(adapter.dispatch('json_get_text', 'cx_analytics')(json_expr, path)) }}
{%- endmacro %}

{% macro duckdb__json_get_text(json_expr, path) -%}
    json_extract_string({{ json_expr }}, '{{ path }}')
{%- endmacro %}

{% macro default__json_get_text(json_expr, path) -%}
    json_value({{ json_expr }}, '{{ path }}')
{%- endmacro %}


{% macro json_get(json_expr, path) -%}
    {{ return(adapter.dispatch('json_get', 'cx_analytics')(json_expr, path)) }}
{%- endmacro %}

{% macro duckdb__json_get(json_expr, path) -%}
    json_extract({{ json_expr }}, '{{ path }}')
{%- endmacro %}

{% macro default__json_get(json_expr, path) -%}
    json_query({{ json_expr }}, '{{ path }}')
{%- endmacro %}


{#- The JSON type of a value: 'OBJECT', 'ARRAY', 'VARCHAR', 'BIGINT', 'DOUBLE', 'BOOLEAN', 'NULL'. -#}
{% macro json_type_of(json_expr, path=none) -%}
    {{ return(adapter.dispatch('json_type_of', 'cx_analytics')(json_expr, path)) }}
{%- endmacro %}

{% macro duckdb__json_type_of(json_expr, path) -%}
    {%- if path -%} json_type({{ json_expr }}, '{{ path }}') {%- else -%} json_type({{ json_expr }}) {%- endif -%}
{%- endmacro %}


{#-
    Parse a JSON document into a typed structure in one pass (the fast path for large documents).
    `type_spec` is the macro name of a structure definition (see genesys_conversation_type); on engines
    without typed JSON parsing, staging falls back to path access.
-#}
{% macro json_parse_typed(json_expr, type_spec) -%}
    {{ return(adapter.dispatch('json_parse_typed', 'cx_analytics')(json_expr, type_spec)) }}
{%- endmacro %}

{% macro duckdb__json_parse_typed(json_expr, type_spec) -%}
    json_transform({{ json_expr }}, '{{ type_spec | tojson | replace("'", "''") }}')
{%- endmacro %}


{#- Build a JSON object from alternating key / value expressions. -#}
{% macro json_build_object(pairs) -%}
    {{ return(adapter.dispatch('json_build_object', 'cx_analytics')(pairs)) }}
{%- endmacro %}

{% macro duckdb__json_build_object(pairs) -%}
    json_object({% for key, value in pairs %}'{{ key }}', {{ value }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{% macro default__json_build_object(pairs) -%}
    json_object({% for key, value in pairs %}'{{ key }}' value {{ value }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}


{% macro json_array_length(json_expr) -%}
    {{ return(adapter.dispatch('json_array_length', 'cx_analytics')(json_expr)) }}
{%- endmacro %}

{% macro duckdb__json_array_length(json_expr) -%}
    json_array_length({{ json_expr }})
{%- endmacro %}


{#- A JSON array of the given JSON values, leaving out the nulls: [a, null, b] → [a, b]. -#}
{% macro json_array_compact(items) -%}
    {{ return(adapter.dispatch('json_array_compact', 'cx_analytics')(items)) }}
{%- endmacro %}

{% macro duckdb__json_array_compact(items) -%}
    to_json(list_filter([{{ items | join(', ') }}], lambda item: item is not null))
{%- endmacro %}

{% macro default__json_array_compact(items) -%}
    json_array({{ items | join(', ') }} absent on null)
{%- endmacro %}
