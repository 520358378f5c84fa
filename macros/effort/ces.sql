{#-
    Behavioural Customer Effort Score (seed 004): 7 − 2 per transfer − 1 per full 60 s of queue wait beyond
    the first 30 s, never below 1. Higher = less effort. Every constant is a var (dbt_project.yml):
    ces_base, ces_transfer_penalty, ces_wait_grace_seconds, ces_wait_interval_seconds, ces_floor.
    Null inputs count as 0 (no transfer seen, no queue).
-#}

{% macro ces_transfer_points(transfers) -%}
    cast({{ var('ces_transfer_penalty') }} * greatest(coalesce({{ transfers }}, 0), 0) as integer)
{%- endmacro %}

{#- seed 004: floor((wait − 30 s) / 60 s) when wait > 30 s, else 0 -#}
{% macro ces_wait_points(wait_seconds) -%}
    (case
        when coalesce({{ wait_seconds }}, 0) > {{ var('ces_wait_grace_seconds') }}
            then cast(floor(
                (coalesce({{ wait_seconds }}, 0) - {{ var('ces_wait_grace_seconds') }})
                / {{ var('ces_wait_interval_seconds') }}
            ) as integer)
        else 0
    end)
{%- endmacro %}

{% macro ces_score(transfers, wait_seconds) -%}
    cast(greatest(
        {{ var('ces_floor') }},
        {{ var('ces_base') }} - {{ ces_transfer_points(transfers) }} - {{ ces_wait_points(wait_seconds) }}
    ) as integer)
{%- endmacro %}
