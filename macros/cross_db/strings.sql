{#-
    Regular expressions, accents, string similarity, hashing.
    Patterns and replacements are Jinja strings written into SQL string literals: single quotes in them
    are doubled here, so a pattern such as "['’`]" is safe to pass.
-#}

{% macro regex_replace(expr, pattern, replacement, flags='g') -%}
    {{ return(adapter.dispatch('regex_replace', 'cx_analytics')(expr, pattern, replacement, flags)) }}
{%- endmacro %}

{% macro duckdb__regex_replace(expr, pattern, replacement, flags) -%}
    regexp_replace({{ expr }}, '{{ pattern | replace("'", "''") }}', '{{ replacement | replace("'", "''") }}', '{{ flags }}')
{%- endmacro %}

{% macro default__regex_replace(expr, pattern, replacement, flags) -%}
    regexp_replace({{ expr }}, '{{ pattern | replace("'", "''") }}', '{{ replacement | replace("'", "''") }}')
{%- endmacro %}


{% macro regex_matches(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'cx_analytics')(expr, pattern)) }}
{%- endmacro %}

{% macro duckdb__regex_matches(expr, pattern) -%}
    regexp_matches({{ expr }}, '{{ pattern | replace("'", "''") }}')
{%- endmacro %}

{% macro default__regex_matches(expr, pattern) -%}
    regexp_like({{ expr }}, '{{ pattern | replace("'", "''") }}')
{%- endmacro %}


{% macro regex_extract(expr, pattern, group=0) -%}
    {{ return(adapter.dispatch('regex_extract', 'cx_analytics')(expr, pattern, group)) }}
{%- endmacro %}

{% macro duckdb__regex_extract(expr, pattern, group) -%}
    nullif(regexp_extract({{ expr }}, '{{ pattern | replace("'", "''") }}', {{ group }}), '')
{%- endmacro %}

{% macro default__regex_extract(expr, pattern, group) -%}
    regexp_substr({{ expr }}, '{{ pattern | replace("'", "''") }}', 1, 1, 'e', {{ group }})
{%- endmacro %}


{#- Remove diacritics: 'Zoë Ñúñez' → 'Zoe Nunez'. -#}
{% macro strip_accents(expr) -%}
    {{ return(adapter.dispatch('strip_accents', 'cx_analytics')(expr)) }}
{%- endmacro %}

{% macro duckdb__strip_accents(expr) -%}
    strip_accents({{ expr }})
{%- endmacro %}


{#- Jaro-Winkler similarity in [0, 1]; null when either side is null. -#}
{% macro jaro_winkler(a, b) -%}
    {{ return(adapter.dispatch('jaro_winkler', 'cx_analytics')(a, b)) }}
{%- endmacro %}

{% macro duckdb__jaro_winkler(a, b) -%}
    jaro_winkler_similarity({{ a }}, {{ b }})
{%- endmacro %}


{#- Edit distance counting an adjacent transposition as one edit (1984 ~ 1948: 1, Levenshtein says 2). -#}
{% macro damerau_levenshtein(a, b) -%}
    {{ return(adapter.dispatch('damerau_levenshtein', 'cx_analytics')(a, b)) }}
{%- endmacro %}

{% macro duckdb__damerau_levenshtein(a, b) -%}
    damerau_levenshtein({{ a }}, {{ b }})
{%- endmacro %}


{#- Jaccard similarity of the two texts' sets of space-separated words ('12 wylly place' ~ 'wylly pl 12'). -#}
{% macro token_jaccard(a, b) -%}
    {{ return(adapter.dispatch('token_jaccard', 'cx_analytics')(a, b)) }}
{%- endmacro %}

{% macro duckdb__token_jaccard(a, b) -%}
    (
        len(list_intersect(list_distinct(string_split({{ a }}, ' ')), list_distinct(string_split({{ b }}, ' '))))
        / nullif(
            len(list_distinct(list_concat(string_split({{ a }}, ' '), string_split({{ b }}, ' ')))), 0
        )::double
    )
{%- endmacro %}


{% macro levenshtein(a, b) -%}
    {{ return(adapter.dispatch('levenshtein', 'cx_analytics')(a, b)) }}
{%- endmacro %}

{% macro duckdb__levenshtein(a, b) -%}
    levenshtein({{ a }}, {{ b }})
{%- endmacro %}

{% macro default__levenshtein(a, b) -%}
    editdistance({{ a }}, {{ b }})
{%- endmacro %}


{% macro sha256_hex(expr) -%}
    {{ return(adapter.dispatch('sha256_hex', 'cx_analytics')(expr)) }}
{%- endmacro %}

{% macro duckdb__sha256_hex(expr) -%}
    sha256({{ expr }})
{%- endmacro %}

{% macro default__sha256_hex(expr) -%}
    lower(to_hex(sha256({{ expr }})))
{%- endmacro %}


{% macro md5_hex(expr) -%}
    {{ return(adapter.dispatch('md5_hex', 'cx_analytics')(expr)) }}
{%- endmacro %}

{% macro default__md5_hex(expr) -%}
    md5({{ expr }})
{%- endmacro %}


{#- The md5 of a text as a number where the engine has one (DuckDB: a 128-bit integer), else its hex text: a
    join or group key, never shown. -#}
{% macro md5_number(expr) -%}
    {{ return(adapter.dispatch('md5_number', 'cx_analytics')(expr)) }}
{%- endmacro %}

{% macro default__md5_number(expr) -%}
    {{ md5_hex(expr) }}
{%- endmacro %}

{% macro duckdb__md5_number(expr) -%}
    md5_number({{ expr }})
{%- endmacro %}


{#-
    Text without leading / trailing white space of any kind (space, tab, line break, carriage return, non-breaking
    space), null when nothing is left. SQL's trim() removes spaces only: an agent's pasted '\tCAMP_X ' kept its tab.
-#}
{% macro trim_to_null(expr) -%}
    {{ return(adapter.dispatch('trim_to_null', 'cx_analytics')(expr)) }}
{%- endmacro %}

{% macro duckdb__trim_to_null(expr) -%}
    nullif(trim({{ expr }}, ' ' || chr(9) || chr(10) || chr(13) || chr(160)), '')
{%- endmacro %}

{% macro default__trim_to_null(expr) -%}
    nullif(regexp_replace({{ expr }}, '^[[:space:]]+|[[:space:]]+$', ''), '')
{%- endmacro %}
