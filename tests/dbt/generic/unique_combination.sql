{#- No two rows share the values of `columns` (a list of column names): the grain of a table keyed by several
    columns. Groups on the columns themselves, so it needs no casts and builds no concatenated text (on
    int_identity__comparison_levels, 50 M rows on `large`, a concatenation test took longer than the model). -#}
{#- `latest_batch`: a column holding the time of the run that wrote the row, on an incremental model whose runs
    replace whole keys (delete+insert): a key's old rows are deleted before its new ones are inserted, so a
    duplicate can only arise among the rows one run wrote. The test then checks the latest run's rows only: all of
    them after a full refresh, the night's batch after a nightly run (on large, 70 M pair rows every night
    otherwise). Rows without a run time (written before the column existed) are always checked. -#}
{% test unique_combination(model, columns, latest_batch=none) %}

select
    {{ columns | join(', ') }},
    count(*) as duplicate_rows
from {{ model }}
{%- if latest_batch %}
    -- rows written before the column existed (an upgraded table) carry no run: always checked
    where {{ latest_batch }} is null or {{ latest_batch }} = (select max({{ latest_batch }}) from {{ model }})
{%- endif %}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
