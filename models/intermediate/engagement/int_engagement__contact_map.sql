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

mapped as (

    select
        contact_ids.contact_id,
        contact_ids.last_event_at,
        lookup.customer_key,
        coalesce(lookup.is_ambiguous, false) as is_ambiguous
    from contact_ids
    left join lookup
        on
            lookup.identifier_type = 'source_record'
            and lookup.source_system = '{{ var("crm_source_system") }}'
            and contact_ids.contact_id = lookup.identifier_value

),

final as (

    select
        contact_id,
        customer_key,
        {{ engagement_contact_key('customer_key', 'contact_id') }} as contact_key,
        customer_key is not null as is_resolved,
        is_ambiguous,
        last_event_at
    from mapped

)

select * from final
