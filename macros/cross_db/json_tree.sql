{#-
    Flatten a JSON object column into one row per member at any depth (a select, used as a CTE body):
    `carry_columns`, then
      json_path   dotted path of the member ('transaction_value', 'product.category'; '$.' dropped)
      json_type   OBJECT, ARRAY, VARCHAR, BIGINT, UBIGINT, DOUBLE, BOOLEAN or NULL
      value_json  the member's value as JSON
      value_text  the value as text for scalars (strings unquoted), null for objects, arrays and JSON null
    Members inside arrays are not listed (the array itself is, with json_type 'ARRAY'), so callers can
    reject arrays instead of silently losing their elements.
-#}
{% macro json_tree_rows(relation, json_expr, carry_columns) -%}
    {{ return(adapter.dispatch('json_tree_rows', 'cx_analytics')(relation, json_expr, carry_columns)) }}
{%- endmacro %}

{% macro duckdb__json_tree_rows(relation, json_expr, carry_columns) -%}
    select
        {%- for column in carry_columns %}
        {{ column }},
        {%- endfor %}
        replace(substr(_t.fullkey, 3), '"', '') as json_path,
        _t.type as json_type,
        _t.value as value_json,
        case
            when _t.type not in ('OBJECT', 'ARRAY', 'NULL') then json_extract_string(_t.value, '$')
        end as value_text
    from {{ relation }}, json_tree({{ json_expr }}) as _t
    where _t.fullkey <> '$' and _t.fullkey not like '%[%'
{%- endmacro %}


{#- JSON text of a JSON value (for hashing and display). -#}
{% macro json_to_text(json_expr) -%}
    {{ return(adapter.dispatch('json_to_text', 'cx_analytics')(json_expr)) }}
{%- endmacro %}

{% macro default__json_to_text(json_expr) -%}
    cast({{ json_expr }} as {{ dbt.type_string() }})
{%- endmacro %}


{#- Spark: variant_explode lists an object's members one level at a time; the levels are unrolled to a fixed
    depth (`spark_json_tree_depth`, 4: the CRM events' attributes nest two deep) and members deeper than it are
    not listed. -#}
{% macro spark__json_tree_rows(relation, json_expr, carry_columns) -%}
    {%- set depth = 4 -%}
    {%- for level in range(1, depth + 1) %}
    {%- if not loop.first %}
    union all
    {% endif %}
    select
        {%- for column in carry_columns %}
        {{ column }},
        {%- endfor %}
        concat_ws('.', {% for i in range(1, level + 1) %}_m{{ i }}.key{% if not loop.last %}, {% endif %}{% endfor %}) as json_path,
        {{ _spark_variant_type('_m' ~ level ~ '.value') }} as json_type,
        -- a string as JSON text; anything else as written in the document (107.0 stays 107.0, members in order)
        case
            when schema_of_variant(_m{{ level }}.value) in ('STRING', 'VOID') then to_json(_m{{ level }}.value)
            else get_json_object(
                {{ json_expr }},
                concat('$'{% for i in range(1, level + 1) %}, '[''', _m{{ i }}.key, ''']'{% endfor %})
            )
        end as value_json,
        case
            when schema_of_variant(_m{{ level }}.value) not like 'OBJECT%'
                and schema_of_variant(_m{{ level }}.value) not like 'ARRAY%'
                and schema_of_variant(_m{{ level }}.value) <> 'VOID'
                then get_json_object(
                    {{ json_expr }},
                    concat('$'{% for i in range(1, level + 1) %}, '[''', _m{{ i }}.key, ''']'{% endfor %})
                )
        end as value_text
    from {{ relation }}
    {%- for i in range(1, level + 1) %},
        lateral variant_explode(
            {% if i == 1 %}try_parse_json({{ json_expr }}){% else %}case when schema_of_variant(_m{{ i - 1 }}.value) like 'OBJECT%' then _m{{ i - 1 }}.value end{% endif %}
        ) as _m{{ i }}
    {%- endfor %}
    {%- endfor %}
{%- endmacro %}
