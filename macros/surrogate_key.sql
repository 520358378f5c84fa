{#-
    A deterministic key from several columns: md5 of the values joined with '-', nulls spelled
    '_null_' so (a, null) and (null, a) differ. Same inputs give the same key on every engine.
-#}
{% macro surrogate_key(fields) -%}
    {{ md5_hex(_surrogate_key_text(fields)) }}
{%- endmacro %}

{% macro _surrogate_key_text(fields) -%}
    {%- for field in fields -%}
        coalesce(cast({{ field }} as varchar), '_null_'){% if not loop.last %} || '-' || {% endif %}
    {%- endfor -%}
{%- endmacro %}
