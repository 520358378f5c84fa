{#-
    Source time text → UTC timestamp. Text that carries its own offset ('...Z', '+02:00', '-0500') is
    converted with it; naive local text is read in `zone_expr` (the source system's IANA zone from seed
    source_systems.csv), DST included. Unparseable text → null.
-#}
{% macro to_utc(expr, zone_expr="'UTC'") -%}
    case
        when {{ regex_matches("trim(" ~ expr ~ ")", '(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$') }}
            then {{ iso_to_utc("trim(" ~ expr ~ ")") }}
        else {{ zoned_to_utc("try_cast(trim(" ~ expr ~ ") as timestamp)", zone_expr) }}
    end
{%- endmacro %}
