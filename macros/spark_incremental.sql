{#- delete+insert on Spark with plain Parquet tables (issue 17). dbt-spark offers only `append` and
    `insert_overwrite` without Delta / Iceberg / Hudi, and Spark cannot overwrite a table in a statement that also
    reads it. So the project's strategy (macros/incremental.sql: replace whole keys) runs in two writes: the
    table's rows whose key is not in the new batch plus the batch go to a staging table, which then overwrites the
    table. These root-project macros take precedence over dbt-spark's of the same name; `append` and
    `insert_overwrite` are dbt-spark's own (merge and microbatch need Delta / Iceberg or partitions: refused). -#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- if raw_strategy == 'delete+insert' -%}
        {{ return(raw_strategy) }}
    {%- endif -%}
    {%- if raw_strategy not in ['append', 'insert_overwrite'] -%}
        {{ exceptions.raise_compiler_error(
            "Invalid incremental strategy provided: " ~ raw_strategy
            ~ " (with Parquet tables: 'append', 'insert_overwrite' or this project's 'delete+insert')") }}
    {%- endif -%}
    {{ return(raw_strategy) }}
{% endmacro %}

{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) %}
    {%- if strategy == 'append' -%}
        {{ return(get_insert_into_sql(source, target)) }}
    {%- elif strategy == 'insert_overwrite' -%}
        {{ return(get_insert_overwrite_sql(source, target, existing)) }}
    {%- endif -%}
    {%- if not unique_key -%}
        {{ exceptions.raise_compiler_error('delete+insert needs a unique_key (model ' ~ target ~ ')') }}
    {%- endif -%}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- set columns = adapter.get_columns_in_relation(existing) | map(attribute='name') | list -%}
    {%- set column_list = columns | map('tojson') | map('replace', '"', '`') | join(', ') -%}
    {%- set staged = target.incorporate(path={'identifier': target.identifier ~ '__dbt_delete_insert'}) -%}
    {%- set on = [] -%}
    {%- for key in keys -%}
        {%- do on.append('_kept.' ~ key ~ ' = _batch.' ~ key) -%}
    {%- endfor -%}
    {%- if execute -%}
        {%- do run_query('drop table if exists ' ~ staged) -%}
        {%- do run_query(
            'create table ' ~ staged ~ ' using parquet as select ' ~ column_list ~ ' from ' ~ target ~ ' as _kept'
            ~ ' left anti join ' ~ source ~ ' as _batch on ' ~ on | join(' and ')
            ~ ' union all select ' ~ column_list ~ ' from ' ~ source
        ) -%}
        {%- do run_query('insert overwrite table ' ~ target ~ ' select ' ~ column_list ~ ' from ' ~ staged) -%}
        {%- do run_query('drop table ' ~ staged) -%}
    {%- endif -%}
    {#- the statement dbt runs as the model's main one: the work is done above -#}
    select 1 as replaced_keys_of_{{ target.identifier }}
{% endmacro %}
