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



{#-
    A date written in any common layout → date; null when it does not parse. `order_expr` is the source's
    day/month order ('DMY', 'MDY' or 'YMD'; seed source_systems.date_order or `cx load --date-order`) and is
    only needed for the two layouts that cannot tell day from month by themselves; it is never guessed.
      year first   1984-03-17, 1984/3/17, 1984.03.17, 1984-03-17T00:00:00 (a time part is dropped)
      compact      19840317 (YYYYMMDD); DDMMYYYY / MMDDYYYY by the order (no date is valid both ways:
                   YYYYMMDD's month digits would be DDMMYYYY's century, 19 or 20)
      day-month    17/03/1984, 3.17.1984, 17-03-1984: by the order; without one only when day = month
      month names  17 Mar 1984, 17-March-1984, Mar 17, 1984, March 17 1984 (English, any case)
    loaders/dates.py implements the same rules in Python (cx load's summary); a test compares the two.
-#}
{% macro parse_date_text(expr, order_expr) -%}
    {{ return(adapter.dispatch('parse_date_text', 'cx_analytics')(expr, order_expr)) }}
{%- endmacro %}

{% macro duckdb__parse_date_text(expr, order_expr) -%}
    {%- set v = "nullif(trim(" ~ expr ~ "), '')" -%}
    {%- set dm = "regexp_replace(" ~ v ~ ", '[./]', '-', 'g')" -%}
    {%- set named = "regexp_replace(regexp_replace(lower(" ~ v ~ "), '[-,]', ' ', 'g'), '\\bsept\\b', 'sep', 'g')" -%}
    cast(case
        when regexp_matches({{ v }}, '^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([T ].*)?$')
            then try_strptime(regexp_extract({{ dm }}, '^\d{4}-\d{1,2}-\d{1,2}'), '%Y-%m-%d')
        when regexp_matches({{ v }}, '^\d{8}$')
            then coalesce(
                try_strptime({{ v }}, '%Y%m%d'),
                case upper({{ order_expr }})
                    when 'DMY' then try_strptime({{ v }}, '%d%m%Y')
                    when 'MDY' then try_strptime({{ v }}, '%m%d%Y')
                end
            )
        when regexp_matches({{ v }}, '^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}$')
            then case
                when upper({{ order_expr }}) = 'DMY' then try_strptime({{ dm }}, '%d-%m-%Y')
                when upper({{ order_expr }}) = 'MDY' then try_strptime({{ dm }}, '%m-%d-%Y')
                when
                    cast(regexp_extract({{ dm }}, '^(\d+)-', 1) as integer)
                    = cast(regexp_extract({{ dm }}, '^\d+-(\d+)-', 1) as integer)
                    then try_strptime({{ dm }}, '%d-%m-%Y')
            end
        when regexp_matches({{ named }}, '^\d{1,2} +[a-z]{3,9}\.? +\d{4}$')
            then try_strptime(regexp_replace({{ named }}, '[. ]+', ' ', 'g'), ['%d %b %Y', '%d %B %Y'])
        when regexp_matches({{ named }}, '^[a-z]{3,9}\.? +\d{1,2} +\d{4}$')
            then try_strptime(regexp_replace({{ named }}, '[. ]+', ' ', 'g'), ['%b %d %Y', '%B %d %Y'])
    end as date)
{%- endmacro %}

{% macro default__parse_date_text(expr, order_expr) -%}
    {{ exceptions.raise_compiler_error('parse_date_text has no implementation for adapter ' ~ adapter.type()) }}
{%- endmacro %}


{#-
    Why a non-blank date text gives no date: 'day_month_order_unknown' (17/03/1984 from a source whose
    day/month order is not set: set seed source_systems.date_order or pass cx load --date-order),
    'not_a_calendar_date' (a known layout, an impossible date: 31/02/1984), 'unrecognised_layout'; null when
    it parsed or is blank. Portable SQL over parse_date_text.
-#}
{% macro date_text_issue(expr, order_expr) -%}
    case
        when nullif(trim({{ expr }}), '') is null then null
        when {{ parse_date_text(expr, order_expr) }} is not null then null
        when
            {{ regex_matches('trim(' ~ expr ~ ')', '^[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}$') }}
            and coalesce(upper({{ order_expr }}), 'YMD') not in ('DMY', 'MDY')
            and {{ regex_replace('trim(' ~ expr ~ ')', '^0*([0-9]+)[-/.].*$', '\\1') }}
            <> {{ regex_replace('trim(' ~ expr ~ ')', '^[0-9]+[-/.]0*([0-9]+)[-/.].*$', '\\1') }}
            then 'day_month_order_unknown'
        when
            {{ regex_matches('trim(' ~ expr ~ ')', '^[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}|^[0-9]{8}$|^[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}$') }}
            then 'not_a_calendar_date'
        else 'unrecognised_layout'
    end
{%- endmacro %}


{#- The start of the `minutes`-long interval holding `ts_expr` (a UTC timestamp), intervals counted from the Unix
    epoch (so 30 minutes gives :00 and :30 of every hour). Genesys aggregate intervals (granularity PT30M …). -#}
{% macro interval_bucket_start(ts_expr, minutes) -%}
    {{ return(adapter.dispatch('interval_bucket_start', 'cx_analytics')(ts_expr, minutes)) }}
{%- endmacro %}

{% macro duckdb__interval_bucket_start(ts_expr, minutes) -%}
    make_timestamp(
        cast(floor(epoch_us({{ ts_expr }}) / ({{ minutes }} * 60000000.0)) as bigint) * {{ minutes }} * 60000000
    )
{%- endmacro %}

{% macro default__interval_bucket_start(ts_expr, minutes) -%}
    timestamp_seconds(cast(floor(unix_timestamp({{ ts_expr }}) / ({{ minutes }} * 60)) as bigint) * {{ minutes }} * 60)
{%- endmacro %}


{#- Spark (session time zone UTC, profiles.yml): `timestamp` is an instant shown in UTC, so a cast of text with
    an offset converts it and one without reads it as UTC. -#}
{% macro spark__iso_to_utc(expr) -%}
    try_cast({{ expr }} as timestamp)
{%- endmacro %}

{% macro spark__local_with_offset_to_utc(local_expr, offset_expr) -%}
    try_cast(trim({{ local_expr }}) || nullif(trim({{ offset_expr }}), '') as timestamp)
{%- endmacro %}

{% macro spark__zoned_to_utc(ts_expr, zone_expr) -%}
    to_utc_timestamp({{ ts_expr }}, {{ zone_expr }})
{%- endmacro %}

{% macro spark__utc_to_zoned(ts_expr, zone_expr) -%}
    from_utc_timestamp({{ ts_expr }}, {{ zone_expr }})
{%- endmacro %}

{% macro spark__dateadd(datepart, amount, ts_expr) -%}
    timestampadd({{ datepart }}, cast({{ amount }} as bigint), {{ ts_expr }})
{%- endmacro %}

{% macro spark__seconds_between(start_expr, end_expr) -%}
    (cast(unix_millis({{ end_expr }}) - unix_millis({{ start_expr }}) as double) / 1000)
{%- endmacro %}


{#- Spark: a strptime format ('%Y-%m-%d') as a Java date pattern; M and d read one or two digits as DuckDB's
    %m and %d do. With spark.sql.legacy.timeParserPolicy CORRECTED (profiles.yml) text that does not parse
    gives null. -#}
{% macro _spark_date_pattern(fmt) -%}
    {%- set java = fmt | replace("'", "''") | replace('%Y', 'yyyy') | replace('%m', 'M') | replace('%d', 'd')
        | replace('%B', 'MMMM') | replace('%b', 'MMM') | replace('%H', 'H') | replace('%M', 'm') | replace('%S', 's') -%}
    {{ return(java) }}
{%- endmacro %}

{% macro _spark_strptime_date(expr, formats) -%}
    {%- if formats is string -%}{%- set formats = [formats] -%}{%- endif -%}
    coalesce({% for fmt in formats %}to_date({{ expr }}, '{{ _spark_date_pattern(fmt) }}'){% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{% macro spark__try_parse_date(expr, formats) -%}
    {{ _spark_strptime_date('trim(' ~ expr ~ ')', formats) }}
{%- endmacro %}

{% macro spark__parse_date_text(expr, order_expr) -%}
    {%- set v = "nullif(trim(" ~ expr ~ "), '')" -%}
    {%- set dm = regex_replace(v, '[./]', '-') -%}
    {%- set named = regex_replace(regex_replace("lower(" ~ v ~ ")", '[-,]', ' '), '\\bsept\\b', 'sep') -%}
    {%- set named_spaced = regex_replace(named, '[. ]+', ' ') -%}
    cast(case
        when {{ regex_matches(v, '^\\d{4}[-/.]\\d{1,2}[-/.]\\d{1,2}([T ].*)?$') }}
            then {{ _spark_strptime_date(regex_extract(dm, '^\\d{4}-\\d{1,2}-\\d{1,2}'), '%Y-%m-%d') }}
        when {{ regex_matches(v, '^\\d{8}$') }}
            then coalesce(
                to_date({{ v }}, 'yyyyMMdd'),
                case upper({{ order_expr }})
                    when 'DMY' then to_date({{ v }}, 'ddMMyyyy')
                    when 'MDY' then to_date({{ v }}, 'MMddyyyy')
                end
            )
        when {{ regex_matches(v, '^\\d{1,2}[-/.]\\d{1,2}[-/.]\\d{4}$') }}
            then case
                when upper({{ order_expr }}) = 'DMY' then {{ _spark_strptime_date(dm, '%d-%m-%Y') }}
                when upper({{ order_expr }}) = 'MDY' then {{ _spark_strptime_date(dm, '%m-%d-%Y') }}
                when
                    cast({{ regex_extract(dm, '^(\\d+)-', 1) }} as integer)
                    = cast({{ regex_extract(dm, '^\\d+-(\\d+)-', 1) }} as integer)
                    then {{ _spark_strptime_date(dm, '%d-%m-%Y') }}
            end
        when {{ regex_matches(named, '^\\d{1,2} +[a-z]{3,9}\\.? +\\d{4}$') }}
            then {{ _spark_strptime_date(named_spaced, ['%d %b %Y', '%d %B %Y']) }}
        when {{ regex_matches(named, '^[a-z]{3,9}\\.? +\\d{1,2} +\\d{4}$') }}
            then {{ _spark_strptime_date(named_spaced, ['%b %d %Y', '%B %d %Y']) }}
    end as date)
{%- endmacro %}
