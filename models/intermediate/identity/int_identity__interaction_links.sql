with

-- straight from staging (the identifiers int_identity__records compares are these columns unchanged), so
-- this model builds beside int_identity__records instead of after it
records as (

    select * from {{ ref('stg_crm__customer_records') }}

),

interactions as (

    select * from {{ ref('int_identity__interactions') }}

),

-- interactions showing at least two identifiers (a lone phone or email links nothing blocking misses)
multi_identifier_interactions as (

    select *
    from interactions
    where
        (case when lead_id is null then 0 else 1 end)
        + (case when account_id is null then 0 else 1 end)
        + (case when email is null then 0 else 1 end)
        + (case when phone_e164 is null then 0 else 1 end)
        >= 2

),

interaction_identifiers as (

    select
        interaction_id,
        'lead_id' as identifier_type,
        lead_id as identifier_value
    from multi_identifier_interactions
    where lead_id is not null

    union all

    select
        interaction_id,
        'account_id' as identifier_type,
        account_id as identifier_value
    from multi_identifier_interactions
    where account_id is not null

    union all

    select
        interaction_id,
        'email' as identifier_type,
        email as identifier_value
    from multi_identifier_interactions
    where email is not null

    union all

    select
        interaction_id,
        'phone_e164' as identifier_type,
        phone_e164 as identifier_value
    from multi_identifier_interactions
    where phone_e164 is not null

),

record_identifiers as (

    select
        customer_record_key,
        'lead_id' as identifier_type,
        source_record_id as identifier_value
    from records
    where source_system = '{{ var("crm_source_system") }}'

    union all

    select
        customer_record_key,
        'account_id' as identifier_type,
        account_id as identifier_value
    from records
    where account_id is not null

    union all

    select
        customer_record_key,
        'email' as identifier_type,
        email as identifier_value
    from records
    where email is not null

    union all

    select
        customer_record_key,
        'phone_e164' as identifier_type,
        phone_e164 as identifier_value
    from records
    where phone_e164 is not null

),

specific_identifiers as (

    select
        identifier_type,
        identifier_value
    from record_identifiers
    group by identifier_type, identifier_value
    having count(*) <= {{ var('identity_max_block_size') }}

),

interaction_records as (

    select distinct
        interaction_identifiers.interaction_id,
        record_identifiers.customer_record_key
    from interaction_identifiers
    inner join specific_identifiers
        on
            interaction_identifiers.identifier_type = specific_identifiers.identifier_type
            and interaction_identifiers.identifier_value = specific_identifiers.identifier_value
    inner join record_identifiers
        on
            interaction_identifiers.identifier_type = record_identifiers.identifier_type
            and interaction_identifiers.identifier_value = record_identifiers.identifier_value

),

specific_interactions as (

    select interaction_id
    from interaction_records
    group by interaction_id
    having count(*) between 2 and {{ var('identity_link_max_records') }}

),

linked_records as (

    select
        interaction_records.interaction_id,
        interaction_records.customer_record_key
    from interaction_records
    inner join specific_interactions
        on interaction_records.interaction_id = specific_interactions.interaction_id

),

final as (

    select
        left_records.customer_record_key as left_record_key,
        right_records.customer_record_key as right_record_key,
        count(*) as interaction_count
    from linked_records as left_records
    inner join linked_records as right_records
        on
            left_records.interaction_id = right_records.interaction_id
            and left_records.customer_record_key < right_records.customer_record_key
    group by left_records.customer_record_key, right_records.customer_record_key

)

select * from final
