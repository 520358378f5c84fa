{#-
    JSON and timestamp text the export marts need to build API payloads (dispatch: DuckDB first, ANSI-ish default).
-#}

{#- A UTC timestamp as the API's ISO-8601 text with milliseconds and a Z: 2024-05-14T10:00:00.000Z. -#}
{% macro iso_utc_text(ts_expr) -%}
    {{ return(adapter.dispatch('iso_utc_text', 'cx_analytics')(ts_expr)) }}
{%- endmacro %}

{% macro duckdb__iso_utc_text(ts_expr) -%}
    strftime({{ ts_expr }}, '%Y-%m-%dT%H:%M:%S.%g') || 'Z'
{%- endmacro %}

{% macro default__iso_utc_text(ts_expr) -%}
    to_char({{ ts_expr }}, 'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"')
{%- endmacro %}


{#- A JSON array of the given JSON expressions. -#}
{% macro json_build_array(items) -%}
    {{ return(adapter.dispatch('json_build_array', 'cx_analytics')(items)) }}
{%- endmacro %}

{% macro duckdb__json_build_array(items) -%}
    json_array({{ items | join(', ') }})
{%- endmacro %}

{% macro default__json_build_array(items) -%}
    json_array({{ items | join(', ') }})
{%- endmacro %}


{#- The keys of object `patch` laid over object `base` (RFC 7396 merge patch). -#}
{% macro json_merge(base_expr, patch_expr) -%}
    {{ return(adapter.dispatch('json_merge', 'cx_analytics')(base_expr, patch_expr)) }}
{%- endmacro %}

{% macro duckdb__json_merge(base_expr, patch_expr) -%}
    json_merge_patch({{ base_expr }}, {{ patch_expr }})
{%- endmacro %}

{% macro default__json_merge(base_expr, patch_expr) -%}
    json_merge_patch({{ base_expr }}, {{ patch_expr }})
{%- endmacro %}


{#- Spark: date_format's pattern letters (Java DateTimeFormatter style); session time zone UTC. -#}
{% macro spark__iso_utc_text(ts_expr) -%}
    date_format({{ ts_expr }}, "yyyy-MM-dd'T'HH:mm:ss.SSS") || 'Z'
{%- endmacro %}

{#- Spark: the JSON values' texts joined between brackets (a null value is null). -#}
{% macro spark__json_build_array(items) -%}
    /*json*/ concat('[', {% for item in items %}coalesce({{ item }}, 'null'), {% if not loop.last %}',', {% endif %}{% endfor %}']')
{%- endmacro %}

{#- Spark: RFC 7396 at the top level (all the export marts merge), in DuckDB's member order: the members of `base`
    that `patch` does not name, then those of `patch`, leaving out the ones `patch` sets to null; each value as
    written in its document (a VARIANT would write 107.0 as 107 and sort an object's keys). -#}
{% macro _spark_json_members(doc, keep) -%}
    transform(
        filter(map_entries(from_json({{ doc }}, 'map<string, variant>')), _e -> {{ keep }}),
        _e -> concat(
            regexp_extract(to_json(array(_e.key)), '^\\[(.*)\\]$', 1), ':',
            case
                when schema_of_variant(_e.value) = 'STRING' then to_json(_e.value)
                else get_json_object({{ doc }}, concat('$[''', _e.key, ''']'))
            end
        )
    )
{%- endmacro %}

{% macro spark__json_merge(base_expr, patch_expr) -%}
    /*json*/ concat('{', array_join(concat(
        {{ _spark_json_members(base_expr,
            "not coalesce(array_contains(map_keys(from_json(" ~ patch_expr ~ ", 'map<string, variant>')), _e.key), false)") }},
        {{ _spark_json_members(patch_expr, "_e.value is not null and schema_of_variant(_e.value) <> 'VOID'") }}
    ), ','), '}')
{%- endmacro %}
