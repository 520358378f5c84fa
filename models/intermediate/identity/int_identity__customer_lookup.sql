{{ config(materialized='view') }}

with

record_identifiers as (

    select * from {{ ref('int_identity__identifier_lookup') }}

),

observed_identifiers as (

    select * from {{ ref('int_identity__observed_identifiers') }}

),

final as (

    select
        identifier_type,
        identifier_value,
        source_system,
        customer_key,
        is_ambiguous
    from record_identifiers

    union all

    select
        identifier_type,
        identifier_value,
        source_system,
        customer_key,
        is_ambiguous
    from observed_identifiers

)

select * from final
