{#- Longer than 200 lines: households, the CRM-id evidence, the observed contact details and their grouping are
    one chain (which observed identifiers may resolve a customer), each step read once. -#}
with

interactions as (

    select * from {{ ref('int_identity__interactions') }}

),

identifier_lookup as (

    select * from {{ ref('int_identity__identifier_lookup') }}

),

records as (

    select * from {{ ref('int_identity__records') }}

),

clusters as (

    select * from {{ ref('int_identity__clusters') }}

),

record_addresses as (

    select
        clusters.customer_key,
        records.last_name,
        records.street,
        records.postcode
    from records
    inner join clusters
        on records.customer_record_key = clusters.customer_record_key
    where records.postcode is not null

),

-- customers whose records share a postcode and a last name or a street with another customer's: every customer of
-- a (postcode, last name) or (postcode, street) group that holds more than one customer (a grouping, not a
-- self-join on the postcode, whose common values pair thousands of records)
address_keys as (

    select
        customer_key,
        postcode,
        'last_name' as shared_by,
        last_name as shared_value
    from record_addresses
    where last_name is not null

    union all

    select
        customer_key,
        postcode,
        'street' as shared_by,
        street as shared_value
    from record_addresses
    where street is not null

),

shared_addresses as (

    select
        postcode,
        shared_by,
        shared_value
    from address_keys
    group by postcode, shared_by, shared_value
    having count(distinct customer_key) > 1

),

household_customers as (

    select distinct address_keys.customer_key
    from address_keys
    inner join shared_addresses
        on
            address_keys.postcode = shared_addresses.postcode
            and address_keys.shared_by = shared_addresses.shared_by
            and address_keys.shared_value = shared_addresses.shared_value

),

-- every event that carries a CRM id, with the contact details seen on it
evidence_events as (

    select
        interaction_id as event_id,
        lead_id as crm_lead_id,
        account_id as crm_account_id,
        email,
        phone_e164
    from interactions
    where lead_id is not null or account_id is not null

),

strong_identifiers as (

    select
        event_id,
        1 as match_priority,
        'source_record' as identifier_type,
        crm_lead_id as identifier_value,
        '{{ var("crm_source_system") }}' as source_system
    from evidence_events
    where crm_lead_id is not null

    union all

    select
        event_id,
        2 as match_priority,
        'account_id' as identifier_type,
        crm_account_id as identifier_value,
        '*' as source_system
    from evidence_events
    where crm_account_id is not null

),

event_customers as (

    {{ resolve_customer_key('strong_identifiers', 'identifier_lookup') }}

),

observations as (

    select
        'email' as lookup_type,
        evidence_events.email as identifier_value,
        event_customers.customer_key,
        evidence_events.event_id
    from evidence_events
    inner join event_customers
        on evidence_events.event_id = event_customers.event_id
    where evidence_events.email is not null

    union all

    select
        'phone_e164' as lookup_type,
        evidence_events.phone_e164 as identifier_value,
        event_customers.customer_key,
        evidence_events.event_id
    from evidence_events
    inner join event_customers
        on evidence_events.event_id = event_customers.event_id
    where evidence_events.phone_e164 is not null

),

-- values no customer record holds
unknown_observations as (

    select
        observations.lookup_type,
        observations.identifier_value,
        observations.customer_key,
        observations.event_id
    from observations
    left join identifier_lookup
        on
            observations.lookup_type = identifier_lookup.identifier_type
            and observations.identifier_value = identifier_lookup.identifier_value
            and identifier_lookup.source_system = '*'
    where identifier_lookup.identifier_key is null

),

grouped as (

    select
        'observed_' || unknown_observations.lookup_type as identifier_type,
        unknown_observations.identifier_value,
        '*' as source_system,
        count(distinct unknown_observations.customer_key) as customer_count,
        min(unknown_observations.customer_key) as any_customer_key,
        count(distinct unknown_observations.event_id) as event_count,
        unknown_observations.lookup_type = 'phone_e164'
        and bool_or(household_customers.customer_key is not null) as is_household
    from unknown_observations
    left join household_customers
        on unknown_observations.customer_key = household_customers.customer_key
    group by unknown_observations.lookup_type, unknown_observations.identifier_value

),

final as (

    select
        {{ surrogate_key(['identifier_type', 'identifier_value', 'source_system']) }} as identifier_key,
        identifier_type,
        identifier_value,
        source_system,
        case when customer_count = 1 and not is_household then any_customer_key end as customer_key,
        customer_count > 1 or is_household as is_ambiguous,
        customer_count,
        is_household,
        event_count
    from grouped

)

select * from final
