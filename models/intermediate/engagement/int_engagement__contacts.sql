with

contact_map as (

    select * from {{ ref('int_engagement__contact_map') }}

),

interactions as (

    select * from {{ ref('int_engagement__genesys_interactions') }}

),

records as (

    select * from {{ ref('stg_crm__customer_records') }}

),

lookup as (

    select * from {{ ref('int_identity__identifier_lookup') }}

),

phone_zones as (

    select * from {{ ref('engagement_phone_timezones') }}

),

crm_customers as (

    select distinct customer_key
    from lookup
    where
        identifier_type = 'source_record'
        and source_system = '{{ var("crm_source_system") }}'

),

from_events as (

    select
        contact_key,
        max(customer_key) as customer_key,
        max(last_event_at) as last_event_at
    from contact_map
    group by contact_key

),

latest_crm_id as (

    select
        contact_key,
        contact_id as crm_contact_id,
        row_number() over (partition by contact_key order by last_event_at desc, contact_id asc) as id_rank
    from contact_map

),

from_conversations as (

    select
        contact_key,
        max(customer_key) as customer_key,
        max(crm_lead_id) as crm_lead_id
    from interactions
    group by contact_key

),

all_contacts as (

    select
        coalesce(from_events.contact_key, from_conversations.contact_key) as contact_key,
        coalesce(from_events.customer_key, from_conversations.customer_key) as customer_key,
        coalesce(latest_crm_id.crm_contact_id, from_conversations.crm_lead_id) as crm_contact_id
    from from_events
    full outer join from_conversations
        on from_events.contact_key = from_conversations.contact_key
    left join latest_crm_id
        on from_events.contact_key = latest_crm_id.contact_key and latest_crm_id.id_rank = 1

),

record_phones as (

    select
        {{ engagement_contact_key(
            'lookup.customer_key',
            "case when records.source_system = '" ~ var('crm_source_system') ~ "' then records.source_record_id end"
        ) }} as contact_key,
        records.customer_record_key,
        records.phone_e164,
        records.source_updated_at
    from records
    left join lookup
        on
            lookup.identifier_type = 'source_record'
            and records.source_system = lookup.source_system
            and records.source_record_id = lookup.identifier_value
    where records.phone_e164 is not null

),

record_zones as (

    select
        record_phones.contact_key,
        record_phones.customer_record_key,
        record_phones.source_updated_at,
        phone_zones.timezone,
        row_number() over (
            partition by record_phones.customer_record_key
            order by length(phone_zones.phone_prefix) desc
        ) as prefix_rank
    from record_phones
    inner join phone_zones
        on record_phones.phone_e164 like phone_zones.phone_prefix || '%'

),

zone_votes as (

    select
        contact_key,
        timezone,
        count(*) as records,
        max(source_updated_at) as last_updated_at
    from record_zones
    where prefix_rank = 1 and contact_key is not null
    group by contact_key, timezone

),

contact_zone as (

    select
        contact_key,
        timezone,
        row_number() over (
            partition by contact_key order by records desc, last_updated_at desc, timezone asc
        ) as zone_rank
    from zone_votes

),

final as (

    select
        all_contacts.contact_key,
        all_contacts.customer_key,
        all_contacts.crm_contact_id,
        coalesce(contact_zone.timezone, '{{ var("engagement_default_timezone") }}') as timezone,
        case when contact_zone.timezone is not null then 'phone_prefix' else 'default' end as timezone_source,
        all_contacts.customer_key is null or crm_customers.customer_key is not null as has_crm_record
    from all_contacts
    left join contact_zone
        on all_contacts.contact_key = contact_zone.contact_key and contact_zone.zone_rank = 1
    left join crm_customers
        on all_contacts.customer_key = crm_customers.customer_key

)

select * from final
