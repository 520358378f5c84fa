{#-
    The run's "now" as a UTC timestamp: every window, clock-skew rule and cooldown is measured from it.
    var('reference_time') (default: env CX_REFERENCE_TIME, else 'now') is either 'now' — the time the dbt
    invocation started (run_started_at, UTC), what production runs want: one "now" for every model, test and
    hook of the run, so a post-hook deleting the snapshots a model no longer has agrees with the model — or a
    fixed UTC time such as '2026-11-01 00:00:00', which makes a run
    reproducible (the generated data sets end at their manifest's reference_time; `make demo` and the
    tests pass it).
-#}
{% macro reference_time() -%}
    {%- set value = var('reference_time') -%}
    {%- if value is none or (value | string | trim | lower) in ('', 'now', 'none') -%}
        {{ run_started_timestamp() }}
    {%- else -%}
        cast('{{ value }}' as timestamp)
    {%- endif -%}
{%- endmacro %}

