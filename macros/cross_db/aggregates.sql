{#- Aggregates whose spelling differs between engines (identity resolution). -#}

{#- Concatenate text values in a given order: string_agg(expr, sep order by order_by). -#}
{% macro string_agg_ordered(expr, separator, order_by) -%}
    {{ return(adapter.dispatch('string_agg_ordered', 'cx_analytics')(expr, separator, order_by)) }}
{%- endmacro %}

{#- DuckDB: an aggregate with ORDER BY sorts inside every group, several times slower than a plain list sorted
    afterwards (candidate pairs: 7 M groups on `large`). The (order keys, value) structs are listed and sorted
    (keys ascending, nulls last, as ORDER BY; ties by value, so equal keys give one text too), null values left
    out, and an all-null group gives null, as string_agg does. A key ordered `desc` keeps string_agg's own sort. -#}
{% macro duckdb__string_agg_ordered(expr, separator, order_by) -%}
    {%- set distinct, value, keys = _string_agg_parts(expr, order_by) -%}
    {%- if keys | selectattr(1) | list -%}
    string_agg({{ expr }}, '{{ separator }}' order by {{ order_by }})
    {%- else -%}
    case when count({{ value }}) > 0 then array_to_string(list_transform(list_sort(
        list({{ 'distinct ' if distinct }}struct_pack(
            {%- for key_expr, is_desc in keys %}k{{ loop.index0 }} := {{ key_expr }}, {% endfor -%}
            v := cast({{ value }} as varchar)
        )) filter (where {{ value }} is not null)
    ), lambda item: item.v), '{{ separator }}') end
    {%- endif -%}
{%- endmacro %}

{#- (distinct, value, [(key expression, is_desc)]) of string_agg_ordered's arguments: a leading 'distinct ' in
    `expr`, and `order_by` as comma-separated 'expr [asc|desc]'. -#}
{% macro _string_agg_parts(expr, order_by) -%}
    {%- set distinct = expr.strip().lower().startswith('distinct ') -%}
    {%- set value = expr.strip()[9:] if distinct else expr -%}
    {%- set keys = [] -%}
    {%- for part in order_by.split(',') -%}
        {%- set words = part.strip().split(' ') -%}
        {%- set is_desc = words | length > 1 and words[-1] | lower == 'desc' -%}
        {%- set key_expr = (words[:-1] | join(' ')) if (words | length > 1 and words[-1] | lower in ('asc', 'desc')) else part.strip() -%}
        {%- do keys.append((key_expr, is_desc)) -%}
    {%- endfor -%}
    {{ return((distinct, value, keys)) }}
{%- endmacro %}

{% macro default__string_agg_ordered(expr, separator, order_by) -%}
    listagg({{ expr }}, '{{ separator }}') within group (order by {{ order_by }})
{%- endmacro %}


{#-
    Aggregate key / value rows into one JSON object ({"email": {...}, "phone_e164": {...}}), keys in ascending
    order: the same content must always give the same text, or every build changes the export payloads'
    hashes and the exporter re-sends what Genesys already has (found by bench/mart_hashes.py: without the
    order, 79 k of 90 k journey events differed between two builds of the same data).
-#}
{% macro json_object_agg(key_expr, value_expr) -%}
    {{ return(adapter.dispatch('json_object_agg', 'cx_analytics')(key_expr, value_expr)) }}
{%- endmacro %}

{% macro duckdb__json_object_agg(key_expr, value_expr) -%}
    {#- json_group_object keeps keys in the order it meets them, so two builds of the same rows could give two
        texts (and payload hashes). The "key":value members, sorted as texts, give one text: a plain list plus
        list_sort is several times cheaper than an aggregate with ORDER BY (which sorts inside every group). -#}
    cast(
        '{' || array_to_string(list_sort(list(
            to_json(cast({{ key_expr }} as varchar)) || ':' || coalesce(cast(to_json({{ value_expr }}) as varchar), 'null')
        )), ',') || '}' as json
    )
{%- endmacro %}

{% macro default__json_object_agg(key_expr, value_expr) -%}
    json_object_agg({{ key_expr }}, {{ value_expr }} order by {{ key_expr }})
{%- endmacro %}


{#- Spark: the (order keys, value) pairs collected, sorted by a comparator over the keys (each 'expr [asc|desc]',
    nulls last as in DuckDB) and joined; null values are left out and an all-null group gives null, as
    string_agg does. A leading 'distinct ' in `expr` keeps each value once. -#}
{% macro spark__string_agg_ordered(expr, separator, order_by) -%}
    {%- set distinct, value, keys = _string_agg_parts(expr, order_by) -%}
    {%- set item -%}
        named_struct({% for key_expr, is_desc in keys %}'k{{ loop.index0 }}', {{ key_expr }}, {% endfor %}'v', cast({{ value }} as string))
    {%- endset -%}
    case when count({{ value }}) > 0 then array_join(transform(array_sort(
        filter({{ 'collect_set' if distinct else 'collect_list' }}({{ item }}), _x -> _x.v is not null),
        (_l, _r) -> case
            {%- for key_expr, is_desc in keys %}
            {%- set k = 'k' ~ loop.index0 %}
            when _l.{{ k }} is null and _r.{{ k }} is not null then 1
            when _l.{{ k }} is not null and _r.{{ k }} is null then -1
            when _l.{{ k }} < _r.{{ k }} then {{ 1 if is_desc else -1 }}
            when _l.{{ k }} > _r.{{ k }} then {{ -1 if is_desc else 1 }}
            {%- endfor %}
            when _l.v < _r.v then -1
            when _l.v > _r.v then 1
            else 0
        end
    ), _x -> _x.v), '{{ separator }}') end
{%- endmacro %}

{#- Spark: `value_expr` is JSON text; members "key":value sorted as texts, as on DuckDB. -#}
{% macro spark__json_object_agg(key_expr, value_expr) -%}
    concat('{', array_join(array_sort(collect_list(
        concat(regexp_extract(to_json(array(cast({{ key_expr }} as string))), '^\\[(.*)\\]$', 1), ':', coalesce(cast({{ value_expr }} as string), 'null'))
    )), ','), '}')
{%- endmacro %}


{#-
    An order-independent digest of a group's rows, as text: the sum of a 64-bit hash of `exprs` over the rows.
    Equal inputs give equal digests on one engine (the text differs between engines; it is only ever compared
    with itself). Incremental models store it to tell which keys' inputs changed since their last run.
-#}
{% macro hash_digest_agg(exprs) -%}
    {{ return(adapter.dispatch('hash_digest_agg', 'cx_analytics')(exprs)) }}
{%- endmacro %}

{% macro duckdb__hash_digest_agg(exprs) -%}
    {#- hash() is a UBIGINT; its sum a HUGEINT, which cannot overflow -#}
    cast(sum(hash({{ exprs | join(', ') }})) as varchar)
{%- endmacro %}

{% macro spark__hash_digest_agg(exprs) -%}
    cast(sum(cast(xxhash64({{ exprs | join(', ') }}) as decimal(38, 0))) as string)
{%- endmacro %}

{% macro default__hash_digest_agg(exprs) -%}
    {{ exceptions.raise_compiler_error('hash_digest_agg has no implementation for ' ~ target.type) }}
{%- endmacro %}
