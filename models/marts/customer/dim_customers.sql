{#-
    Single-record customers are not in int_identity__field_survivorship: single_record_fields reads their
    values with macro golden_record_fields, the expressions survivorship uses, so the two branches agree.
-#}
{%- set golden = golden_record_fields('records') -%}
with

clusters as (

    select * from {{ ref('int_identity__clusters') }}

),

survivors as (

    select * from {{ ref('int_identity__field_survivorship') }}
    where is_winner

),

records as (

    select * from {{ ref('stg_crm__customer_records') }}

),

customers as (

    select
        customer_key,
        min(anchor_record_key) as anchor_record_key,
        count(*) as source_record_count,
        max(case when has_dob_conflict then 1 else 0 end) = 1 as has_dob_conflict
    from clusters
    group by customer_key

),

record_systems as (

    select
        clusters.customer_key,
        {{ string_agg_ordered('distinct records.source_system', ',', 'records.source_system') }} as source_systems,
        max(records.source_updated_at) as last_source_update_at
    from clusters
    inner join records
        on clusters.customer_record_key = records.customer_record_key
    group by clusters.customer_key

),

survivor_fields as (

    select
        customer_key,
        max(case when field = 'first_name' then field_value end) as first_name,
        max(case when field = 'last_name' then field_value end) as last_name,
        max(case when field = 'email' then field_value end) as email,
        max(case when field = 'phone_e164' then field_value end) as phone_e164,
        max(case when field = 'date_of_birth' then field_value end) as date_of_birth_text,
        max(case when field = 'account_id' then field_value end) as account_id,
        max(case when field = 'address' then customer_record_key end) as address_record_key,
        max(case when field = 'last_purchase_date' then field_value end) as last_purchase_date_text
    from survivors
    group by customer_key

),

single_record_fields as (

    select
        clusters.customer_key,
        {{ golden['first_name'] }} as first_name,
        {{ golden['last_name'] }} as last_name,
        {{ golden['email'] }} as email,
        {{ golden['phone_e164'] }} as phone_e164,
        {{ golden['date_of_birth'] }} as date_of_birth_text,
        {{ golden['account_id'] }} as account_id,
        case when {{ golden['address'] }} is not null then records.customer_record_key end as address_record_key,
        {{ golden['last_purchase_date'] }} as last_purchase_date_text
    from clusters
    inner join records
        on clusters.customer_record_key = records.customer_record_key
    where clusters.cluster_size = 1

),

fields as (

    select * from survivor_fields
    union all
    select * from single_record_fields

),

final as (

    select
        customers.customer_key,
        fields.first_name,
        fields.last_name,
        fields.email,
        fields.phone_e164,
        cast(fields.date_of_birth_text as date) as date_of_birth,
        fields.account_id,
        address_records.street,
        address_records.city,
        address_records.postcode,
        address_records.country,
        cast(fields.last_purchase_date_text as date) as last_purchase_date,
        customers.source_record_count,
        record_systems.source_systems,
        customers.anchor_record_key,
        customers.has_dob_conflict,
        record_systems.last_source_update_at
    from customers
    left join fields
        on customers.customer_key = fields.customer_key
    left join records as address_records
        on fields.address_record_key = address_records.customer_record_key
    left join record_systems
        on customers.customer_key = record_systems.customer_key

)

select * from final
