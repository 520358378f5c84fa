{#- Generic data tests of the attribution domain. -#}

{#- Fails on every row whose value is null or not strictly positive (weights, windows). -#}
{% test attribution_positive(model, column_name) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} is null or {{ column_name }} <= 0

{% endtest %}


{#-
    Fails on every (conversion, model) whose credits do not sum to 1 within `tolerance`
    (seed 001: each model shares one conversion's credit among its touches).
-#}
{% test attribution_credits_sum_to_one(model, column_name, group_by, tolerance=0.000001) %}

select
    {{ group_by | join(', ') }},
    sum({{ column_name }}) as credit_total
from {{ model }}
group by {{ group_by | join(', ') }}
having abs(sum({{ column_name }}) - 1.0) > {{ tolerance }}

{% endtest %}
