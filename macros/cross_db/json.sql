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


{#- Spark: JSON values are text (Parquet columns, string expressions); the macros parse it into a VARIANT where
    they need its structure. A JSON-valued expression the macros build starts with the comment /*json*/, so that
    json_build_object embeds it as JSON rather than as a string (a column holding JSON text must be passed
    through json_value_of() for the same reason). -#}
{% macro _spark_is_json(expr) -%}
    {{ return('/*json*/' in (expr | string)) }}
{%- endmacro %}

{#- The value for to_json(named_struct(...)): JSON text parsed, anything else as it is. -#}
{% macro _spark_json_member(expr) -%}
    {%- if _spark_is_json(expr) -%} try_parse_json({{ expr }}) {%- else -%} {{ expr }} {%- endif -%}
{%- endmacro %}

{% macro spark__json_get_text(json_expr, path) -%}
    get_json_object({{ json_expr }}, '{{ path }}')
{%- endmacro %}

{#- JSON text of the value at `path` (strings keep their quotes, as DuckDB's json_extract). -#}
{% macro spark__json_get(json_expr, path) -%}
    /*json*/ to_json(try_variant_get(try_parse_json({{ json_expr }}), '{{ path }}', 'variant'))
{%- endmacro %}

{% macro _spark_variant_type(variant_expr) -%}
    case
        when {{ variant_expr }} is null then null
        when schema_of_variant({{ variant_expr }}) like 'OBJECT%' then 'OBJECT'
        when schema_of_variant({{ variant_expr }}) like 'ARRAY%' then 'ARRAY'
        when schema_of_variant({{ variant_expr }}) = 'STRING' then 'VARCHAR'
        when schema_of_variant({{ variant_expr }}) = 'VOID' then 'NULL'
        when schema_of_variant({{ variant_expr }}) = 'BOOLEAN' then 'BOOLEAN'
        when schema_of_variant({{ variant_expr }}) in ('BIGINT', 'INT', 'SMALLINT', 'TINYINT') then 'BIGINT'
        else 'DOUBLE'
    end
{%- endmacro %}

{% macro spark__json_type_of(json_expr, path) -%}
    {%- if path -%}
        {{ _spark_variant_type("try_variant_get(try_parse_json(" ~ json_expr ~ "), '" ~ path ~ "', 'variant')") }}
    {%- else -%}
        {{ _spark_variant_type("try_parse_json(" ~ json_expr ~ ")") }}
    {%- endif -%}
{%- endmacro %}

{#- DuckDB's structure definition as a Spark DDL type, for from_json. -#}
{% macro _spark_ddl_type(spec) -%}
    {%- if spec is mapping -%}
        struct<{% for key, value in spec.items() %}`{{ key }}`: {{ _spark_ddl_type(value) }}{% if not loop.last %}, {% endif %}{% endfor %}>
    {%- elif spec is string -%}
        {%- set t = spec | upper | replace(' ', '') -%}
        {%- if t == 'VARCHAR' -%} string
        {%- elif t.startswith('MAP(') -%} map<{{ _spark_ddl_type(t[4:-1].split(',')[0]) }}, {{ _spark_ddl_type(t[4:-1].split(',')[1]) }}>
        {%- else -%} {{ t | lower }}
        {%- endif -%}
    {%- else -%}
        array<{{ _spark_ddl_type(spec[0]) }}>
    {%- endif -%}
{%- endmacro %}

{% macro spark__json_parse_typed(json_expr, type_spec) -%}
    from_json({{ json_expr }}, '{{ _spark_ddl_type(type_spec) }}')
{%- endmacro %}

{% macro spark__json_build_object(pairs) -%}
    /*json*/ to_json(named_struct({% for key, value in pairs %}'{{ key }}', {{ _spark_json_member(value) }}{% if not loop.last %}, {% endif %}{% endfor %}))
{%- endmacro %}

{% macro spark__json_array_length(json_expr) -%}
    json_array_length({{ json_expr }})
{%- endmacro %}

{#- Spark: a JSON array of the given JSON values without the nulls. -#}
{% macro spark__json_array_compact(items) -%}
    /*json*/ to_json(filter(array({% for item in items %}try_parse_json({{ item }}){% if not loop.last %}, {% endif %}{% endfor %}), _item -> _item is not null))
{%- endmacro %}


{#- A column (or expression) holding JSON text, to be embedded as JSON by json_build_object (Spark keeps JSON as
    text, so it cannot tell a JSON column from a string column); the expression itself elsewhere. -#}
{% macro json_value_of(expr) -%}
    {{ return(adapter.dispatch('json_value_of', 'cx_analytics')(expr)) }}
{%- endmacro %}

{% macro default__json_value_of(expr) -%}
    {{ expr }}
{%- endmacro %}

{% macro spark__json_value_of(expr) -%}
    /*json*/ {{ expr }}
{%- endmacro %}
