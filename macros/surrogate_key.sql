{#-
    A deterministic key from several columns: md5 of the values cast to text and joined with '-', nulls
    spelled '_null_' so (a, null) and (null, a) differ and a null never nulls the whole key. Same inputs
    give the same key on every engine. `fields` is a list of column expressions; a single string is taken
    as one column (not iterated character by character).
-#}
{% macro surrogate_key(fields) -%}
    {{ md5_hex(_surrogate_key_text(fields)) }}
{%- endmacro %}

{% macro _surrogate_key_text(fields) -%}
    {%- if fields is string -%}
        {%- set fields = [fields] -%}
    {%- endif -%}
    {%- if fields | length == 0 -%}
        {{ exceptions.raise_compiler_error("surrogate_key needs at least one field") }}
    {%- endif -%}
    {%- for field in fields -%}
        coalesce(cast({{ field }} as {{ dbt.type_string() }}), '_null_'){% if not loop.last %} || '-' || {% endif %}
    {%- endfor -%}
{%- endmacro %}


{#- The same key as a number, for joins and group-bys on millions of rows (a 128-bit integer is cheaper than 32
    characters of hex; macro md5_number). Stable across builds, like the key it equals. -#}
{% macro surrogate_key_number(fields) -%}
    {{ md5_number(_surrogate_key_text(fields)) }}
{%- endmacro %}
