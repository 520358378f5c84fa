{#- Incremental models (issue 16). Each one keeps the landing time of the newest raw row it has consumed in a
    column (a watermark); a run reads only the keys with a row landed after it and rebuilds those keys whole
    (delete+insert on the key), so a late or corrected record replaces its row and `--full-refresh` gives the
    same table. -#}

{#- The largest `column` of this model's table, or 1900-01-01 on an empty table: rows landed after it are new.
    Only called inside `{% if is_incremental() %}`. -#}
{% macro incremental_watermark(column) -%}
    (select coalesce(max({{ column }}), cast('1900-01-01' as timestamp)) from {{ this }})
{%- endmacro %}


{#- `where <key> in (select <key> from <changed_cte>)` on an incremental run; nothing on a full build. `keyword`
    is 'where' or 'and'. -#}
{% macro only_changed(key, changed_cte='changed', keyword='where', changed_key=none) -%}
    {%- if is_incremental() %}
        {{ keyword }} {{ key }} in (select {{ changed_cte }}.{{ changed_key or key.split('.')[-1] }} from {{ changed_cte }})
    {%- endif %}
{%- endmacro %}
