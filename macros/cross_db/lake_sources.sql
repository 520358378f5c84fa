{#- Spark reads the raw sources from the Parquet lake `cx lake export` writes (loaders/lake.py):
    <CX_LAKE_DIR>/raw/<table>/. On every run (on-run-start) each raw source table, `_rejects` and `_load_log`
    is (re)declared as an external Parquet table over its folder, so the schema of a re-exported table is read
    afresh; dropping an external table never deletes its files. Other engines read `raw.*` where the loaders
    landed it: nothing to do. -#}
{% macro register_lake_sources() -%}
    {{ return(adapter.dispatch('register_lake_sources', 'cx_analytics')()) }}
{%- endmacro %}

{% macro default__register_lake_sources() -%}
    select 1 as nothing_to_register
{%- endmacro %}

{% macro spark__register_lake_sources() -%}
    {%- set lake = env_var('CX_LAKE_DIR', 'lake') | replace("'", "") -%}
    {%- if execute -%}
        {%- set tables = ['_rejects', '_load_log'] -%}
        {%- for node in graph.sources.values() if node.schema == 'raw' and node.identifier not in tables -%}
            {%- do tables.append(node.identifier) -%}
        {%- endfor -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- for table in tables | sort -%}
            {%- do run_query('drop table if exists raw.' ~ table) -%}
            {%- do run_query("create table raw." ~ table ~ " using parquet location '" ~ lake ~ "/raw/" ~ table ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as lake_registered
{%- endmacro %}
