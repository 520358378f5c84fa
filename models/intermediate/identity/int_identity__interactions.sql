{#-
    Every interaction that can show who a customer is, with the identifiers it shows (grain:
    interaction_id): a marketing touch ('marketing:' || touch_id: its lead id, email, phone) and a Genesys
    customer session ('genesys:' || session_key: the CRM_LeadId and CRM_AccountId participant attributes,
    context.email, and the customer's number — ANI inbound, DNIS outbound). Read by
    int_identity__interaction_links (records one interaction shows together) and
    int_identity__observed_identifiers (contact details learnt with a CRM id). A view: both read it once.
-#}
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
