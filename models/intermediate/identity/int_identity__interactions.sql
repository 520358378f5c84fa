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

participants as (

    select * from {{ ref('stg_genesys__participants') }}

),

sessions as (

    select * from {{ ref('stg_genesys__sessions') }}

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
        'genesys:' || sessions.session_key as interaction_id,
        nullif(trim(participants.attr_crm_lead_id), '') as lead_id,
        nullif(trim(participants.attr_crm_account_id), '') as account_id,
        {{ normalize_email(map_get('participants.attributes', "'context.email'")) }} as email,
        case when sessions.direction = 'outbound' then sessions.dnis_e164 else sessions.ani_e164 end as phone_e164
    from sessions
    inner join participants
        on sessions.participant_key = participants.participant_key
    where sessions.purpose = 'customer'

)

select
    interaction_id,
    lead_id,
    account_id,
    email,
    phone_e164
from final
