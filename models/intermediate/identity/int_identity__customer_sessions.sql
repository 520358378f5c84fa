{{ config(materialized='view') }}

with

sessions as (

    select * from {{ ref('stg_genesys__sessions') }}

),

participants as (

    select * from {{ ref('stg_genesys__participants') }}

),

final as (

    select
        sessions.session_key,
        sessions.conversation_id,
        row_number() over (
            partition by sessions.conversation_id
            order by participants.participant_index, sessions.session_index
        ) as session_rank,
        sessions.media_type,
        sessions.direction,
        sessions.outbound_campaign_id,
        sessions.outbound_contact_id,
        sessions.disposition_name,
        participants.attr_campaign_id,
        participants.attr_touch_sequence,
        participants.attr_lead_source,
        participants.attr_crm_lead_id as lead_id,
        participants.attr_crm_account_id as account_id,
        participants.attr_context_email as email,
        -- the customer's own number: the caller (ANI) inbound, the number dialled (DNIS) outbound
        case when sessions.direction = 'outbound' then sessions.dnis_e164 else sessions.ani_e164 end as phone_e164
    from sessions
    inner join participants
        on sessions.participant_key = participants.participant_key
    where sessions.purpose = 'customer'

)

select * from final
