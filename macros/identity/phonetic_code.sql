{#-
    A Soundex-style phonetic code for blocking on names that are spelled differently but sound alike
    ('thompson' and 'thomson' → 't512'): the first letter, then up to three digits for the following
    consonant groups (b f p v → 1, c g j k q s x z → 2, d t → 3, l → 4, m n → 5, r → 6), runs of one
    group collapsed, vowels dropped. `translate` and the regex dispatch macros keep it portable.
-#}
{% macro phonetic_code(expr) -%}
    {%- set letters = regex_replace("lower(" ~ expr ~ ")", '[^a-z]', '') -%}
    {%- set digits = "translate(" ~ letters ~ ", 'abcdefghijklmnopqrstuvwxyz', '01230120022455012623010202')" -%}
    {%- set collapsed = namespace(sql=digits) -%}
    {%- for d in ['1', '2', '3', '4', '5', '6'] -%}
        {%- set collapsed.sql = regex_replace(collapsed.sql, d ~ '+', d) -%}
    {%- endfor -%}
    case
        when {{ letters }} <> ''
            then substr({{ letters }}, 1, 1)
            || substr({{ regex_replace('substr(' ~ collapsed.sql ~ ', 2)', '0', '') }} || '000', 1, 3)
    end
{%- endmacro %}
