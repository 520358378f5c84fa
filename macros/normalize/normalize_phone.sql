{#-
    Any phone text → E.164 ('+15551234567'), or null when it cannot be one.
    `calling_code` is the default country's calling code ('1', '44') of the source system (seed
    source_systems.csv); `trunk_prefix` the national trunk prefix ('0' in the UK, '' in NANP).
    Rules, in order: 'tel:' / 'sip:' prefixes and extensions dropped; a leading '+' keeps its digits;
    a leading '00' is international; NANP numbers with 11 digits starting with 1 get '+'; a leading trunk
    prefix is replaced by the calling code; otherwise the calling code is prepended.
    The result must have 8 to 15 digits after '+' (E.164), else null.
-#}
{% macro normalize_phone(expr, calling_code="'1'", trunk_prefix="''") -%}
    {%- set raw = "trim(" ~ regex_replace(regex_replace(expr, '^\\s*(tel:|sip:)', '', 'gi'), '(x|ext\\.?)\\s*[0-9]+\\s*$', '', 'gi') ~ ")" -%}
    {%- set digits = regex_replace(raw, '[^0-9]', '') -%}
    {%- set candidate -%}
        case
            when {{ raw }} like '+%' then '+' || {{ digits }}
            when {{ digits }} like '00%' then '+' || substr({{ digits }}, 3)
            when {{ calling_code }} = '1' and length({{ digits }}) = 11 and {{ digits }} like '1%'
                then '+' || {{ digits }}
            when {{ calling_code }} = '1' and length({{ digits }}) = 10 then '+1' || {{ digits }}
            when {{ calling_code }} = '1' then null
            when coalesce({{ trunk_prefix }}, '') <> '' and starts_with({{ digits }}, {{ trunk_prefix }})
                then '+' || {{ calling_code }} || substr({{ digits }}, length({{ trunk_prefix }}) + 1)
            else '+' || {{ calling_code }} || {{ digits }}
        end
    {%- endset -%}
    case
        when nullif({{ digits }}, '') is null then null
        when length({{ candidate }}) between 9 and 16 then {{ candidate }}
    end
{%- endmacro %}
