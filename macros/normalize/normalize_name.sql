{#-
    Names for matching: accents stripped, case-folded, apostrophes removed (O'Brien → obrien), other
    punctuation and repeated whitespace collapsed to one space (Mary-Jane → mary jane); null when empty.
    Letters that are not a base letter plus a combining accent (ø ł đ ı, ligatures æ œ ß) are folded
    explicitly: strip_accents leaves them, and they would otherwise become a space (Søren → 's ren', while a
    legacy system's ASCII export says 'soren').
-#}
{% macro normalize_name(expr) -%}
    {%- set lowered = "lower(" ~ strip_accents("trim(" ~ expr ~ ")") ~ ")" -%}
    {%- set folded = "replace(replace(replace(translate(" ~ lowered ~ ", 'øłđı', 'oldi'), 'æ', 'ae'), 'œ', 'oe'), 'ß', 'ss')" -%}
    nullif(
        trim({{ regex_replace(regex_replace(regex_replace(folded, "['’`]", ''), '[^a-z0-9]+', ' '), '\\s+', ' ') }}),
        ''
    )
{%- endmacro %}
