{#- Staged CTEs: the iterative identity models (EM rounds, prior rounds, conflict-cut rounds) are chains of CTEs
    in which a round reads the previous round's results more than once. DuckDB plans each CTE once. Spark inlines
    every reference to a deterministic CTE, so a chain of rounds that each read their predecessor twice becomes a
    plan that doubles per round: the clusters' five conflict-cut rounds ran its analyser out of memory, and 25
    EM rounds copied the whole candidate-pair join 50 times.

    Such a model lists its CTEs in call blocks that share one list, `ctes`:

        {%- set ctes = [] %}
        with
        {% call cte_group(ctes) %}
        records as (...),
        pairs as (...),
        {% endcall %}
        {% call staged_cte(ctes, 'pattern_levels') %}
            select ...
        {% endcall %}

    On DuckDB (and any engine that plans a CTE once) both blocks are plain CTEs: a group's text as written, a
    staged CTE as `pattern_levels as (...),`. On Spark, a staged CTE is written as a Parquet table
    `<model>__staged_<name>` before the model's query runs (with every CTE listed before it in front of its
    select), and the CTE reads that table: every later reference is a table scan. Every CTE before the model's
    last staged one must be in a block, since a staged CTE is computed by its own statement and sees only what is
    listed. drop_staged_ctes (on-run-end) removes the tables. -#}
{% macro cte_group(ctes) -%}
    {%- set text = caller() -%}
    {%- do ctes.append(text) -%}
    {{- text -}}
{%- endmacro %}

{% macro staged_cte(ctes, name) -%}
    {{- adapter.dispatch('staged_cte', 'cx_analytics')(ctes, name, caller()) -}}
{%- endmacro %}

{% macro default__staged_cte(ctes, name, body) -%}
    {%- set text = name ~ ' as (' ~ body ~ '),' -%}
    {%- do ctes.append(text) -%}
    {{- text -}}
{%- endmacro %}

{% macro spark__staged_cte(ctes, name, body) -%}
    {#- a unit test (no `this`) reads its fixtures as CTEs that a separate statement cannot see: plain CTEs -#}
    {%- if this is none -%}
        {{- return(default__staged_cte(ctes, name, body)) -}}
    {%- endif -%}
    {%- set table = this.incorporate(path={'identifier': this.identifier ~ '__staged_' ~ name}) -%}
    {%- if execute -%}
        {%- set earlier = ctes | join('\n') | trim -%}
        {%- if earlier and not earlier.endswith(',') -%}
            {{ exceptions.raise_compiler_error('staged_cte ' ~ name ~ ' in ' ~ this ~ ': the CTE blocks before it must end with a comma') }}
        {%- endif -%}
        {%- do run_query('drop table if exists ' ~ table) -%}
        {%- do run_query(
            'create table ' ~ table ~ ' using parquet as '
            ~ ('with ' ~ earlier[:-1] ~ '\n' if earlier else '')
            ~ 'select * from (' ~ body ~ '\n) as staged_' ~ name
        ) -%}
    {%- endif -%}
    {%- set text = name ~ ' as (select * from ' ~ table ~ '),' -%}
    {%- do ctes.append(text) -%}
    {{- text -}}
{%- endmacro %}


{#- on-run-end: drop the tables spark__staged_cte wrote (other engines write none). -#}
{% macro drop_staged_ctes() -%}
    {{ return(adapter.dispatch('drop_staged_ctes', 'cx_analytics')()) }}
{%- endmacro %}

{% macro default__drop_staged_ctes() -%}
    select 1 as no_staged_ctes
{%- endmacro %}

{% macro spark__drop_staged_ctes() -%}
    {%- if execute -%}
        {%- for schema in schemas | unique -%}
            {%- for row in run_query("show tables in " ~ schema ~ " like '*__staged_*'") -%}
                {%- if not row['isTemporary'] -%}
                    {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ row['tableName']) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as staged_ctes_dropped
{%- endmacro %}
