{#- No two rows share the values of `columns` (a list of column names): the grain of a table keyed by several
    columns. Groups on the columns themselves, so it needs no casts and builds no concatenated text (on
    int_identity__comparison_levels, 50 M rows on `large`, a concatenation test took longer than the model). -#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as duplicate_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
