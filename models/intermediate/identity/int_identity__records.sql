{#-
    One row per source customer record (grain: customer_record_key) with the features identity
    resolution compares and blocks on. Everything is derived from stg_crm__customer_records alone, so any
    person-records file landed with `cx load customers` (even without email or phone) flows through.
-#}
with

records as (

    select * from {{ ref('stg_crm__customer_records') }}

),

name_aliases as (

    select
        alias,
        canonical_name
    from {{ ref('identity_name_aliases') }}

),

features as (

    select
        records.customer_record_key,
        records.source_system,
        records.source_record_id,
        records.account_id,
        records.first_name_normalized as first_name,
        records.last_name_normalized as last_name,
        coalesce(name_aliases.canonical_name, records.first_name_normalized) as first_name_canonical,
        substr(records.first_name_normalized, 1, 1) as first_initial,
        {{ phonetic_code('records.last_name_normalized') }} as last_name_phonetic,
        records.email,
        records.phone_e164,
        records.date_of_birth,
        cast(records.date_of_birth as {{ dbt.type_string() }}) as date_of_birth_text,
        records.postcode_normalized as postcode,
        {{ normalize_name('records.street') }} as street,
        records.source_updated_at,
        records.trust_rank,
        records._loaded_at as loaded_at
    from records
    left join name_aliases
        on records.first_name_normalized = name_aliases.alias

)

select
    customer_record_key,
    source_system,
    source_record_id,
    account_id,
    first_name,
    last_name,
    first_name_canonical,
    first_initial,
    last_name_phonetic,
    email,
    phone_e164,
    date_of_birth,
    date_of_birth_text,
    postcode,
    street,
    source_updated_at,
    trust_rank,
    loaded_at
from features
