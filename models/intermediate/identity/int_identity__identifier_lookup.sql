with

records as (

    select * from {{ ref('int_identity__records') }}

),

clusters as (

    select * from {{ ref('int_identity__clusters') }}

),

record_customers as (

    select
        records.customer_record_key,
        records.source_system,
        records.source_record_id,
        records.account_id,
        records.email,
        records.phone_e164,
        clusters.customer_key
    from records
    inner join clusters
        on records.customer_record_key = clusters.customer_record_key

),

identifiers as (

    select
        'source_record' as identifier_type,
        source_record_id as identifier_value,
        source_system,
        customer_key
    from record_customers

    union all

    select
        'account_id' as identifier_type,
        account_id as identifier_value,
        '*' as source_system,
        customer_key
    from record_customers
    where account_id is not null

    union all

    select
        'email' as identifier_type,
        email as identifier_value,
        '*' as source_system,
        customer_key
    from record_customers
    where email is not null

    union all

    select
        'phone_e164' as identifier_type,
        phone_e164 as identifier_value,
        '*' as source_system,
        customer_key
    from record_customers
    where phone_e164 is not null

),

grouped as (

    select
        identifier_type,
        identifier_value,
        source_system,
        count(distinct customer_key) as customer_count,
        min(customer_key) as any_customer_key,
        count(*) as record_count
    from identifiers
    group by identifier_type, identifier_value, source_system

),

final as (

    select
        {{ surrogate_key(['identifier_type', 'identifier_value', 'source_system']) }} as identifier_key,
        identifier_type,
        identifier_value,
        source_system,
        case when customer_count = 1 then any_customer_key end as customer_key,
        customer_count > 1 as is_ambiguous,
        customer_count,
        record_count
    from grouped

)

select * from final
