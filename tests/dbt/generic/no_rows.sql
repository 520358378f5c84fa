{#- Fails (or warns, with severity: warn) when the model has any row: for quarantine and reject models. -#}
{% test no_rows(model) %}
    select * from {{ model }}
{% endtest %}
