with

events as (

    select * from {{ ref('int_engagement__events_normalized') }}

),

lookup as (

    select * from {{ ref('int_identity__identifier_lookup') }}

),

contact_ids as (

    select
        contact_id,
        max(event_timestamp) as last_event_at
    from events
    where contact_id is not null
    group by contact_id

),

-- a CRM contact id is a source record of the CRM: resolved like every other event's identifiers
contact_identifiers as (

    {{ customer_identifiers('contact_ids', 'contact_id', lead_id='contact_id') }}

),

contact_customers as (

    {{ resolve_customer_key('contact_identifiers', 'lookup') }}

),

final as (

    select
        contact_ids.contact_id,
        contact_customers.customer_key,
        {{ engagement_contact_key('contact_customers.customer_key', 'contact_ids.contact_id') }} as contact_key,
        contact_customers.customer_key is not null as is_resolved,
        contact_ids.last_event_at
    from contact_ids
    left join contact_customers
        on contact_ids.contact_id = contact_customers.event_id

)

select * from final
