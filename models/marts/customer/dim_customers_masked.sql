{%- set k = var('masking_min_group_size') %}
{%- set steps = ['postcode_district', 'city', 'email_domain', 'birth_decade', 'country'] %}

with

customers as (
    select * from {{ ref('dim_customers') }}
),

generalised as (
    select
        customer_key,
        lower({{ regex_extract('email', '@(.*)$', 1) }}) as email_domain,
        cast(floor(extract(year from date_of_birth) / 10) * 10 as integer) as birth_decade,
        city,
        substr(postcode, 1, 3) as postcode_district,
        country,
        email is not null as has_email,
        phone_e164 is not null as has_phone,
        date_of_birth is not null as has_date_of_birth,
        cast({{ dbt.date_trunc('month', 'last_purchase_date') }} as date) as last_purchase_month,
        source_record_count,
        source_systems,
        has_dob_conflict
    from customers
),

{#- step i: suppress the first i fields of `steps` for customers whose combination is still rarer than k #}
{%- for step in range(steps | length + 1) %}

    step_{{ step }} as (
        select
            customer_key,
            {%- for field in steps %}
                {%- if step > 0 and field == steps[step - 1] %}
                    case when group_size_{{ step - 1 }} >= {{ k }} then {{ field }} end as {{ field }},
                {%- else %}
                    {{ field }},
                {%- endif %}
            {%- endfor %}
            count(*) over (partition by {{ steps | join(', ') }}) as group_size_{{ step }}
        from {{ 'generalised' if step == 0 else 'step_' ~ (step - 1) }}
    ),
{%- endfor %}

final as (
    select
        generalised.customer_key,
        anonymised.email_domain,
        anonymised.birth_decade,
        anonymised.city,
        anonymised.postcode_district,
        anonymised.country,
        generalised.has_email,
        generalised.has_phone,
        generalised.has_date_of_birth,
        generalised.last_purchase_month,
        generalised.source_record_count,
        generalised.source_systems,
        generalised.has_dob_conflict
    from generalised
    inner join step_{{ steps | length }} as anonymised on generalised.customer_key = anonymised.customer_key
)

select * from final
