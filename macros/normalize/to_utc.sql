{#-
    Source time text → UTC timestamp. Text that carries its own offset after a time of day
    ('…T14:02:11Z', '… 10:00:00+02:00', '…10:00-0500') is converted with it; anything else (naive local
    text, a bare date) is read as wall-clock time in `zone_expr` (the source system's IANA zone from seed
    source_systems.csv), DST included; a null zone means UTC. Unparseable text → null.
    The offset must follow a time: '2024-05-14' ends in '-14' but is a date, not a time with offset -14.
-#}
{% macro to_utc(expr, zone_expr="'UTC'") -%}
    {%- set text = "trim(" ~ expr ~ ")" -%}
    case
        when {{ regex_matches(text, '[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\\s*(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$') }}
            then {{ iso_to_utc(text) }}
        else {{ zoned_to_utc(safe_cast(text, "timestamp"), "coalesce(" ~ zone_expr ~ ", 'UTC')") }}
    end
{%- endmacro %}
