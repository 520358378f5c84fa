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


{#- Spark: JSON values are text (Parquet columns, string expressions). Objects and arrays are built as text, so
    members keep their order (a VARIANT would sort an object's keys); the macros parse into a VARIANT only to read
    a structure (types, members). A JSON-valued expression the macros build starts with the comment /*json*/, so
    json_build_object embeds it as JSON rather than as a string (a column holding JSON text must be passed
    through json_value_of() for the same reason). -#}
{% macro _spark_is_json(expr) -%}
    {{ return('/*json*/' in (expr | string)) }}
{%- endmacro %}

{#- JSON text of a value: JSON text as it is (null → null), a scalar encoded by to_json. -#}
{% macro _spark_json_member(expr) -%}
    {%- if _spark_is_json(expr) -%}
        coalesce({{ expr }}, 'null')
    {%- else -%}
        regexp_extract(to_json(named_struct('v', {{ expr }})), '^\\{"v":(.*)\\}$', 1)
    {%- endif -%}
{%- endmacro %}

{#- JSONPath for Spark: a quoted member ($.headers."X-Request-Id") in brackets ($.headers['X-Request-Id']), as a
    SQL literal. -#}
{% macro _spark_json_path(path) -%}
    {%- set parts = path.split('."') -%}
    {%- set out = namespace(text=parts[0]) -%}
    {%- for part in parts[1:] -%}
        {%- set key, rest = part.split('"', 1) -%}
        {%- set out.text = out.text ~ "['" ~ key ~ "']" ~ rest -%}
    {%- endfor -%}
    '{{ out.text | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__json_get_text(json_expr, path) -%}
    get_json_object({{ json_expr }}, {{ _spark_json_path(path) }})
{%- endmacro %}

{#- JSON text of the value at `path` as it was written (an object keeps its member order); a string keeps its
    quotes, as DuckDB's json_extract. -#}
{% macro spark__json_get(json_expr, path) -%}
    /*json*/ case
        when schema_of_variant(try_variant_get(try_parse_json({{ json_expr }}), {{ _spark_json_path(path) }}, 'variant')) = 'STRING'
            then to_json(try_variant_get(try_parse_json({{ json_expr }}), {{ _spark_json_path(path) }}, 'variant'))
        else get_json_object({{ json_expr }}, {{ _spark_json_path(path) }})
    end
{%- endmacro %}

{#- DuckDB's json_type names: a non-negative integer is UBIGINT, a negative one BIGINT. -#}
{% macro _spark_variant_type(variant_expr) -%}
    case
        when {{ variant_expr }} is null then null
        when schema_of_variant({{ variant_expr }}) like 'OBJECT%' then 'OBJECT'
        when schema_of_variant({{ variant_expr }}) like 'ARRAY%' then 'ARRAY'
        when schema_of_variant({{ variant_expr }}) = 'STRING' then 'VARCHAR'
        when schema_of_variant({{ variant_expr }}) = 'VOID' then 'NULL'
        when schema_of_variant({{ variant_expr }}) = 'BOOLEAN' then 'BOOLEAN'
        when schema_of_variant({{ variant_expr }}) in ('BIGINT', 'INT', 'SMALLINT', 'TINYINT')
            then case when cast({{ variant_expr }} as bigint) >= 0 then 'UBIGINT' else 'BIGINT' end
        else 'DOUBLE'
    end
{%- endmacro %}

{% macro spark__json_type_of(json_expr, path) -%}
    {%- if path -%}
        {{ _spark_variant_type("try_variant_get(try_parse_json(" ~ json_expr ~ "), " ~ _spark_json_path(path) ~ ", 'variant')") }}
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
    /*json*/ concat('{', {% for key, value in pairs %}'{{ key | tojson | replace("'", "''") }}:', {{ _spark_json_member(value) }}, {% if not loop.last %}',', {% endif %}{% endfor %}'}')
{%- endmacro %}

{% macro spark__json_array_length(json_expr) -%}
    json_array_length({{ json_expr }})
{%- endmacro %}

{#- Spark: the given JSON values joined between brackets; concat_ws leaves out the nulls. -#}
{% macro spark__json_array_compact(items) -%}
    /*json*/ concat('[', concat_ws(',', {% for item in items %}{{ item }}{% if not loop.last %}, {% endif %}{% endfor %}), ']')
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
