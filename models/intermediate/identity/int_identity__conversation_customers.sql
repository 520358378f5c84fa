with

customer_sessions as (

    select * from {{ ref('int_identity__customer_sessions') }}

),

customer_lookup as (

    select * from {{ ref('int_identity__customer_lookup') }}

),

conversation_identifiers as (

    {{ customer_identifiers('customer_sessions', 'conversation_id', lead_id='lead_id', account_id='account_id',
                            email='email', phone_e164='phone_e164') }}

),

conversation_customers as (

    {{ resolve_customer_key('conversation_identifiers', 'customer_lookup') }}

),

final as (

    select
        event_id as conversation_id,
        customer_key,
        customer_match_method
    from conversation_customers

)

select * from final
