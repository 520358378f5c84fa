{#-
    Any phone text → E.164 ('+15551234567'), or null when it cannot be one.
    `calling_code` is the default country's calling code ('1', '44') of the source system (seed
    source_systems.csv); `trunk_prefix` the national trunk prefix ('0' in the UK, '' in NANP). Both are SQL
    expressions (a quoted literal or a column); a null calling code is read as '1'.
    Rules, in order:
      - 'tel:' / 'sip:' prefixes, a SIP '@host' part and a trailing extension ('x12', 'ext. 12',
        'extension 12', '#12') are dropped, and so is an optional trunk digit written '(0)' ('+44 (0)20 …');
      - a leading '+' keeps its digits;
      - a leading international prefix ('00' anywhere, '011' in NANP) is replaced by '+';
      - NANP: 11 digits starting with 1 get '+', 10 digits get '+1', anything else is not a number;
      - elsewhere a leading trunk prefix is replaced by the calling code, else the calling code is prepended.
    The result must have 8 to 15 digits after '+' (E.164), else null.
-#}
{% macro normalize_phone(expr, calling_code="'1'", trunk_prefix="''") -%}
    {%- set code = "coalesce(" ~ calling_code ~ ", '1')" -%}
    {%- set trunk = "coalesce(" ~ trunk_prefix ~ ", '')" -%}
    {%- set no_scheme = regex_replace("lower(trim(" ~ expr ~ "))", '^(tel:|sip:)\\s*', '') -%}
    {%- set no_host = regex_replace(no_scheme, '@.*$', '') -%}
    {%- set no_ext = regex_replace(no_host, '\\s*(extension|ext\\.?|x|#)\\s*[0-9]+\\s*$', '') -%}
    {%- set raw = "trim(" ~ regex_replace(no_ext, '\\(0\\)', '') ~ ")" -%}
    {%- set digits = regex_replace(raw, '[^0-9]', '') -%}
    {%- set candidate -%}
        case
            when {{ raw }} like '+%' then '+' || {{ digits }}
            when {{ digits }} like '00%' then '+' || substr({{ digits }}, 3)
            when {{ code }} = '1' and {{ digits }} like '011%' then '+' || substr({{ digits }}, 4)
            when {{ code }} = '1' and length({{ digits }}) = 11 and {{ digits }} like '1%'
                then '+' || {{ digits }}
            when {{ code }} = '1' and length({{ digits }}) = 10 then '+1' || {{ digits }}
            when {{ code }} = '1' then null
            when {{ trunk }} <> '' and substr({{ digits }}, 1, length({{ trunk }})) = {{ trunk }}
                then '+' || {{ code }} || substr({{ digits }}, length({{ trunk }}) + 1)
            else '+' || {{ code }} || {{ digits }}
        end
    {%- endset -%}
    case
        when nullif({{ digits }}, '') is null then null
        when length({{ candidate }}) between 9 and 16 then {{ candidate }}
    end
{%- endmacro %}
