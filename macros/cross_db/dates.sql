{#- Timestamps and date arithmetic. All stored timestamps are naive UTC `timestamp`s. -#}

{#- ISO-8601 text with a zone or 'Z' ('2024-05-14T14:02:11.120Z') → UTC timestamp; null if unparseable. -#}
{% macro iso_to_utc(expr) -%}
    {{ return(adapter.dispatch('iso_to_utc', 'cx_analytics')(expr)) }}
{%- endmacro %}

{% macro duckdb__iso_to_utc(expr) -%}
    timezone('UTC', try_cast({{ expr }} as timestamptz))
{%- endmacro %}

{% macro default__iso_to_utc(expr) -%}
    cast(cast({{ expr }} as timestamp with time zone) at time zone 'UTC' as timestamp)
{%- endmacro %}


{#-
    Local wall-clock text + an offset ('+02:00', '-0500', '+05', 'Z') → UTC timestamp.
    A missing or empty offset gives null (the instant is unknown; the caller decides on a fallback zone),
    never a silent reading in the session's zone.
-#}
{% macro local_with_offset_to_utc(local_expr, offset_expr) -%}
    {{ return(adapter.dispatch('local_with_offset_to_utc', 'cx_analytics')(local_expr, offset_expr)) }}
{%- endmacro %}

{% macro duckdb__local_with_offset_to_utc(local_expr, offset_expr) -%}
    timezone('UTC', try_cast(trim({{ local_expr }}) || nullif(trim({{ offset_expr }}), '') as timestamptz))
{%- endmacro %}

{% macro default__local_with_offset_to_utc(local_expr, offset_expr) -%}
    cast(
        cast(trim({{ local_expr }}) || nullif(trim({{ offset_expr }}), '') as timestamp with time zone)
        at time zone 'UTC' as timestamp
    )
{%- endmacro %}


{#- A naive local timestamp in an IANA zone ('Europe/London') → UTC timestamp (DST-aware). -#}
{% macro zoned_to_utc(ts_expr, zone_expr) -%}
    {{ return(adapter.dispatch('zoned_to_utc', 'cx_analytics')(ts_expr, zone_expr)) }}
{%- endmacro %}

{% macro duckdb__zoned_to_utc(ts_expr, zone_expr) -%}
    timezone('UTC', timezone({{ zone_expr }}, {{ ts_expr }}))
{%- endmacro %}

{% macro default__zoned_to_utc(ts_expr, zone_expr) -%}
    convert_timezone({{ zone_expr }}, 'UTC', {{ ts_expr }})
{%- endmacro %}


{#- A UTC timestamp → naive wall-clock time in an IANA zone. -#}
{% macro utc_to_zoned(ts_expr, zone_expr) -%}
    {{ return(adapter.dispatch('utc_to_zoned', 'cx_analytics')(ts_expr, zone_expr)) }}
{%- endmacro %}

{% macro duckdb__utc_to_zoned(ts_expr, zone_expr) -%}
    timezone({{ zone_expr }}, timezone('UTC', {{ ts_expr }}))
{%- endmacro %}

{% macro default__utc_to_zoned(ts_expr, zone_expr) -%}
    convert_timezone('UTC', {{ zone_expr }}, {{ ts_expr }})
{%- endmacro %}


{% macro dateadd(datepart, amount, ts_expr) -%}
    {{ return(adapter.dispatch('dateadd', 'cx_analytics')(datepart, amount, ts_expr)) }}
{%- endmacro %}

{% macro duckdb__dateadd(datepart, amount, ts_expr) -%}
    ({{ ts_expr }} + to_{{ datepart }}s(cast({{ amount }} as bigint)))
{%- endmacro %}

{% macro default__dateadd(datepart, amount, ts_expr) -%}
    dateadd({{ datepart }}, {{ amount }}, {{ ts_expr }})
{%- endmacro %}


{#- Seconds (with fractions) from `start_expr` to `end_expr`. -#}
{% macro seconds_between(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('seconds_between', 'cx_analytics')(start_expr, end_expr)) }}
{%- endmacro %}

{% macro duckdb__seconds_between(start_expr, end_expr) -%}
    ((epoch_ms({{ end_expr }}) - epoch_ms({{ start_expr }})) / 1000.0)
{%- endmacro %}

{% macro default__seconds_between(start_expr, end_expr) -%}
    datediff(millisecond, {{ start_expr }}, {{ end_expr }}) / 1000.0
{%- endmacro %}


{#- Parse a date text in ISO (2024-05-14) or the given strptime format; null when it does not parse. -#}
{% macro try_parse_date(expr, formats=['%Y-%m-%d']) -%}
    {{ return(adapter.dispatch('try_parse_date', 'cx_analytics')(expr, formats)) }}
{%- endmacro %}

{% macro duckdb__try_parse_date(expr, formats) -%}
    coalesce(
        {%- for fmt in formats %}
        cast(try_strptime(trim({{ expr }}), '{{ fmt }}') as date){% if not loop.last %},{% endif %}
        {%- endfor %}
    )
{%- endmacro %}

