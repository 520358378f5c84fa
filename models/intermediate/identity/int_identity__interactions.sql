{{ config(materialized='view') }}

with

marketing_touches as (

    select * from {{ ref('stg_marketing__touches') }}

),

customer_sessions as (

    select * from {{ ref('int_identity__customer_sessions') }}

),

final as (

    select
        'marketing:' || touch_id as interaction_id,
        lead_id,
        cast(null as {{ dbt.type_string() }}) as account_id,
        email,
        phone_e164
    from marketing_touches

    union all

    select
        'genesys:' || session_key as interaction_id,
        lead_id,
        account_id,
        email,
        phone_e164
    from customer_sessions

)

select * from final
