{#- Incremental models (issue 16). Each one keeps the landing time of the newest raw row it has consumed in a
    column (a watermark); a run reads only the keys with a row landed after it and rebuilds those keys whole
    (delete+insert on the key), so a late or corrected record replaces its row and `--full-refresh` gives the
    same table. -#}

{#- True on an incremental run whose existing table already has the watermark column. A table built by an
    earlier version of the project lacks it: the model then runs its full-build SQL, every key is replaced and
    on_schema_change='sync_all_columns' adds the new columns, so an upgrade needs no manual --full-refresh. -#}
{% macro incremental_ready(watermark_column) -%}
    {#- a unit test (no relation: `this` is none) always tests the full-build SQL -#}
    {%- if this is none or not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set names = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {{ return(watermark_column | lower in names) }}
{%- endmacro %}


{#- The largest `column` of this model's table, or 1900-01-01 on an empty table: rows landed after it are new.
    Only called when incremental_ready(column). -#}
{% macro incremental_watermark(column) -%}
    (select coalesce(max({{ column }}), cast('1900-01-01' as timestamp)) from {{ this }})
{%- endmacro %}


{#- `where <key> in (select <key> from <changed_cte>)` when `enabled` (an incremental run); nothing on a full
    build. `keyword` is 'where' or 'and'. -#}
{% macro only_changed(key, enabled, changed_cte='changed', keyword='where', changed_key=none) -%}
    {%- if enabled %}
        {{ keyword }} {{ key }} in (select {{ changed_cte }}.{{ changed_key or key.split('.')[-1] }} from {{ changed_cte }})
    {%- endif %}
{%- endmacro %}


{#- This run's start as a timestamp literal (dbt's run_started_at, UTC): the run-time column of a model's rows,
    one value for every model and test of a run. -#}
{% macro run_started_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}
