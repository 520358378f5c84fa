{#- Generic test: every row of `records` (one per source record) appears in the model under column_name. -#}
{% test every_source_record_mapped(model, column_name, records) %}

select source_records.customer_record_key
from {{ records }} as source_records
left join {{ model }} as mapped
    on source_records.customer_record_key = mapped.{{ column_name }}
where mapped.{{ column_name }} is null

{% endtest %}
