{#-
    Names for matching: accents stripped, case-folded, apostrophes removed (O'Brien → obrien), other
    punctuation and repeated whitespace collapsed to one space (Mary-Jane → mary jane); null when empty.
-#}
{% macro normalize_name(expr) -%}
    nullif(
        trim({{ regex_replace(regex_replace(regex_replace("lower(" ~ strip_accents("trim(" ~ expr ~ ")") ~ ")", "['’`]", ''), '[^a-z0-9]+', ' '), '\\s+', ' ') }}),
        ''
    )
{%- endmacro %}
