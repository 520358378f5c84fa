{#-
    Generic test: every non-null value of column_name names a column of `relation` (case-insensitive). For
    seeds that point at columns (identity blocking features, comparison columns): a typo fails the build here,
    not as a missing-column error deep in a compiled model.
-#}
{% test names_a_column_of(model, column_name, relation) %}

{%- set names = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do names.append(column.name | lower) -%}
    {%- endfor -%}
{%- endif %}

select {{ column_name }}
from {{ model }}
where
    {{ column_name }} is not null
    and lower({{ column_name }}) not in ('{{ names | join("', '") }}')

{% endtest %}
