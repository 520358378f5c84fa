with

conversions as (

    select * from {{ ref('stg_crm__conversions') }}

),

identifier_lookup as (

    select * from {{ ref('int_identity__identifier_lookup') }}

),

conversion_identifiers as (

    {{ customer_identifiers('conversions', 'conversion_id', lead_id='lead_id',
                            lead_source_system=var('conversions_source_system')) }}

),

conversion_customers as (

    {{ resolve_customer_key('conversion_identifiers', 'identifier_lookup') }}

),

final as (

    select
        conversions.conversion_id,
        conversions.lead_id,
        conversions.campaign_id as crm_campaign_id,
        conversions.conversion_value,
        conversions.status as conversion_status,
        conversions.status in {{ attribution_counted_statuses_sql() }} as is_counted,
        conversions.conversion_grain,
        conversions.converted_on,
        conversions.converted_at,
        conversion_customers.customer_key,
        conversion_customers.customer_match_method
    from conversions
    left join conversion_customers
        on conversions.conversion_id = conversion_customers.event_id

)

select * from final
