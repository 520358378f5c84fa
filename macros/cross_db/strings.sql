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


{#- Spark: Java regular expressions; a backslash in a Spark string literal is an escape character, so the
    pattern's backslashes are doubled, and a replacement names groups $1 (not \1). `regexp_replace` always
    replaces every match: only the flags 'g' (every match) and 'i' (ignore case) are supported. -#}
{% macro _spark_regex_literal(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{% macro spark__regex_replace(expr, pattern, replacement, flags) -%}
    {%- if flags | replace('g', '') | replace('i', '') != '' or 'g' not in flags -%}
        {{ exceptions.raise_compiler_error("regex_replace on spark supports the flags 'g' and 'i' only, got '" ~ flags ~ "'") }}
    {%- endif -%}
    {%- set java = namespace(text='', escaped=false) -%}
    {%- for char in replacement -%}
        {%- if java.escaped -%}
            {%- set java.text = java.text ~ ('$' ~ char if char in '0123456789' else '\\' ~ char) -%}
            {%- set java.escaped = false -%}
        {%- elif char == '\\' -%}
            {%- set java.escaped = true -%}
        {%- elif char == '$' -%}
            {%- set java.text = java.text ~ '\\$' -%}
        {%- else -%}
            {%- set java.text = java.text ~ char -%}
        {%- endif -%}
    {%- endfor -%}
    regexp_replace({{ expr }}, {{ _spark_regex_literal(('(?i)' if 'i' in flags else '') ~ pattern) }}, {{ _spark_regex_literal(java.text) }})
{%- endmacro %}

{% macro spark__regex_matches(expr, pattern) -%}
    regexp_like({{ expr }}, {{ _spark_regex_literal(pattern) }})
{%- endmacro %}

{% macro spark__regex_extract(expr, pattern, group) -%}
    nullif(regexp_extract({{ expr }}, {{ _spark_regex_literal(pattern) }}, {{ group }}), '')
{%- endmacro %}

{#- Spark has no Unicode normalisation in SQL: the letters of Latin-1 Supplement, Latin Extended-A/B and Latin
    Extended Additional that DuckDB's strip_accents maps to one base letter (497; the pairs were generated from
    DuckDB itself) are translated, and combining marks already decomposed in the text are removed. -#}
{% macro spark__strip_accents(expr) -%}
    regexp_replace(translate({{ expr }},
        'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǢǣǦǧǨǩǪǫǬǭǮǯǰǴǵǸǹǺǻǼǽǾǿȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳḀḁḂḃḄḅḆḇḈḉḊḋḌḍḎḏḐḑḒḓḔḕḖḗḘḙḚḛḜḝḞḟḠḡḢḣḤḥḦḧḨḩḪḫḬḭḮḯḰḱḲḳḴḵḶḷḸḹḺḻḼḽḾḿṀṁṂṃṄṅṆṇṈṉṊṋṌṍṎṏṐṑṒṓṔṕṖṗṘṙṚṛṜṝṞṟṠṡṢṣṤṥṦṧṨṩṪṫṬṭṮṯṰṱṲṳṴṵṶṷṸṹṺṻṼṽṾṿẀẁẂẃẄẅẆẇẈẉẊẋẌẍẎẏẐẑẒẓẔẕẖẗẘẙẛẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ',
        'AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzOoUuAaIiOoUuUuUuUuUuAaAaÆæGgKkOoOoƷʒjGgNnAaÆæØøAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoOoOoYyAaBbBbBbCcDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMmMmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRrSsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVvWwWwWwWwWwXxXxYyZzZzZzhtwyſAaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEeEeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYy'
    ), '[\\x{0300}-\\x{036F}]', '')
{%- endmacro %}

{% macro spark__token_jaccard(a, b) -%}
    (
        size(array_intersect(array_distinct(split({{ a }}, ' ')), array_distinct(split({{ b }}, ' '))))
        / cast(nullif(size(array_distinct(concat(split({{ a }}, ' '), split({{ b }}, ' ')))), 0) as double)
    )
{%- endmacro %}

{% macro spark__levenshtein(a, b) -%}
    levenshtein({{ a }}, {{ b }})
{%- endmacro %}

{% macro spark__sha256_hex(expr) -%}
    sha2({{ expr }}, 256)
{%- endmacro %}

{% macro spark__trim_to_null(expr) -%}
    nullif(trim(both concat(' ', char(9), char(10), char(13), char(160)) from {{ expr }}), '')
{%- endmacro %}


{#- Spark has neither function: both are spelled out with higher-order functions over character positions
    (the same definitions as DuckDB's, which the DuckDB-vs-Spark comparison test holds them to).
    `_spark_positions(n)` is 1..n (empty for n = 0: sequence(1, 0) would count down). -#}
{% macro _spark_positions(n, var) -%}
    filter(sequence(0, {{ n }}), {{ var }} -> {{ var }} > 0)
{%- endmacro %}

{#- Jaro: characters match when equal and at most max(|a|, |b|) / 2 − 1 positions apart, each character of b
    matched once, greedily left to right; t = half the matched characters out of order; Winkler adds 0.1 per
    common leading character (at most 4) when Jaro exceeds 0.7. -#}
{% macro spark__jaro_winkler(a, b) -%}
    {%- set la = 'length(' ~ a ~ ')' -%}
    {%- set lb = 'length(' ~ b ~ ')' -%}
    {%- set window = 'greatest(cast(greatest(' ~ la ~ ', ' ~ lb ~ ') / 2 as int) - 1, 0)' -%}
    case when {{ a }} is not null and {{ b }} is not null then element_at(transform(array(aggregate(
        {{ _spark_positions(la, '_ji') }},
        named_struct('ap', cast(array() as array<int>), 'bp', cast(array() as array<int>)),
        (_jacc, _ji) -> coalesce(
            element_at(transform(filter(
                {{ _spark_positions(lb, '_jj') }},
                _jj -> abs(_jj - _ji) <= {{ window }}
                    and substr({{ b }}, _jj, 1) = substr({{ a }}, _ji, 1)
                    and not array_contains(_jacc.bp, _jj)
            ), _jf -> named_struct('ap', concat(_jacc.ap, array(_ji)), 'bp', concat(_jacc.bp, array(_jf)))), 1),
            _jacc
        )
    )), _jm -> element_at(transform(array(named_struct(
        'm', size(_jm.ap),
        't', cast(size(filter(
            {{ _spark_positions('size(_jm.ap)', '_jk') }},
            _jk -> substr({{ a }}, element_at(_jm.ap, _jk), 1) <> substr({{ b }}, element_at(array_sort(_jm.bp), _jk), 1)
        )) / 2 as int),
        'p', coalesce(
            array_min(filter(
                {{ _spark_positions('least(4, ' ~ la ~ ', ' ~ lb ~ ')', '_jq') }},
                _jq -> substr({{ a }}, _jq, 1) <> substr({{ b }}, _jq, 1)
            )) - 1,
            least(4, {{ la }}, {{ lb }})
        )
    )), _js -> element_at(transform(array(
        case when _js.m = 0 then cast(0 as double)
            else (_js.m / cast({{ la }} as double) + _js.m / cast({{ lb }} as double) + (_js.m - _js.t) / cast(_js.m as double)) / 3.0d
        end
    ), _jw -> case when _jw > 0.7d then _jw + _js.p * 0.1d * (1.0d - _jw) else _jw end), 1)), 1)), 1) end
{%- endmacro %}

{#- Damerau–Levenshtein (unrestricted: a transposed pair may also be edited in between, 'ca' → 'abc' is 2), by
    the Lowrance–Wagner recurrence over the distance matrix built row by row. -#}
{% macro spark__damerau_levenshtein(a, b) -%}
    {%- set la = 'length(' ~ a ~ ')' -%}
    {%- set lb = 'length(' ~ b ~ ')' -%}
    case when {{ a }} is not null and {{ b }} is not null then element_at(element_at(aggregate(
        {{ _spark_positions(la, '_di') }},
        array(sequence(0, {{ lb }})),
        (_dm, _di) -> concat(_dm, array(aggregate(
            {{ _spark_positions(lb, '_dj') }},
            array(_di),
            (_dr, _dj) -> concat(_dr, array(least(
                element_at(element_at(_dm, _di), _dj) + case when substr({{ a }}, _di, 1) = substr({{ b }}, _dj, 1) then 0 else 1 end,
                element_at(_dr, _dj) + 1,
                element_at(element_at(_dm, _di), _dj + 1) + 1,
                element_at(transform(array(named_struct(
                    'k', coalesce(array_max(filter({{ _spark_positions('_di - 1', '_dk') }}, _dk -> substr({{ a }}, _dk, 1) = substr({{ b }}, _dj, 1))), 0),
                    'l', coalesce(array_max(filter({{ _spark_positions('_dj - 1', '_dl') }}, _dl -> substr({{ b }}, _dl, 1) = substr({{ a }}, _di, 1))), 0)
                )), _dt -> case
                    when _dt.k > 0 and _dt.l > 0
                        then element_at(element_at(_dm, _dt.k), _dt.l) + (_di - _dt.k - 1) + 1 + (_dj - _dt.l - 1)
                end), 1)
            )))
        )))
    ), {{ la }} + 1), {{ lb }} + 1) end
{%- endmacro %}


{#- Delete the rows of `relation` where `condition` holds (a hook's statement). Spark's Parquet tables have no
    DELETE and no statement may overwrite a table it reads: the kept rows go to a staging table that then
    overwrites the table (as macros/spark_incremental.sql does), and the hook's own statement is a no-op. -#}
{% macro delete_rows(relation, condition) -%}
    {{ return(adapter.dispatch('delete_rows', 'cx_analytics')(relation, condition)) }}
{%- endmacro %}

{% macro default__delete_rows(relation, condition) -%}
    delete from {{ relation }} where {{ condition }}
{%- endmacro %}

{% macro spark__delete_rows(relation, condition) -%}
    {%- set staged = relation.incorporate(path={'identifier': relation.identifier ~ '__dbt_delete_rows'}) -%}
    {%- if execute -%}
        {%- do run_query('drop table if exists ' ~ staged) -%}
        {%- do run_query('create table ' ~ staged ~ ' using parquet as select * from ' ~ relation
                         ~ ' where not (' ~ condition ~ ')') -%}
        {%- do run_query('insert overwrite table ' ~ relation ~ ' select * from ' ~ staged) -%}
        {%- do run_query('drop table ' ~ staged) -%}
    {%- endif -%}
    select 1 as deleted_rows_of_{{ relation.identifier }}
{%- endmacro %}
