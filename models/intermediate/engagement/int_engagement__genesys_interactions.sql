with

conversations as (

    select * from {{ ref('stg_genesys__conversations') }}

),

metrics as (

    select * from {{ ref('stg_genesys__session_metrics') }}

),

conversation_customers as (

    select * from {{ ref('int_identity__conversation_customers') }}

),

customer_sessions as (

    select * from {{ ref('int_identity__customer_sessions') }}

),

connected as (

    select
        conversation_id,
        sum(metric_value) as outbound_connected
    from metrics
    where metric_name = 'nOutboundConnected'
    group by conversation_id

),

first_customer_session as (

    select
        customer_sessions.conversation_id,
        customer_sessions.media_type,
        customer_sessions.direction,
        customer_sessions.outbound_campaign_id,
        customer_sessions.disposition_name,
        customer_sessions.lead_id as attr_crm_lead_id
    from customer_sessions
    where customer_sessions.session_rank = 1

),

resolved as (

    select
        first_customer_session.conversation_id,
        conversations.conversation_started_at,
        conversations.originating_direction,
        first_customer_session.media_type,
        first_customer_session.outbound_campaign_id,
        first_customer_session.disposition_name,
        connected.outbound_connected,
        first_customer_session.attr_crm_lead_id,
        conversation_customers.customer_key,
        conversation_customers.customer_match_method
    from first_customer_session
    inner join conversations
        on first_customer_session.conversation_id = conversations.conversation_id
    left join connected
        on first_customer_session.conversation_id = connected.conversation_id
    left join conversation_customers
        on first_customer_session.conversation_id = conversation_customers.conversation_id

),

shaped as (

    select
        conversation_id,
        conversation_started_at,
        customer_key,
        attr_crm_lead_id as crm_lead_id,
        customer_match_method as customer_resolved_by,
        case
            when media_type in ('voice', 'callback') then 'phone'
            when media_type = 'message' then 'messaging'
            else media_type
        end as channel,
        media_type,
        originating_direction,
        outbound_campaign_id is not null as is_outbound_attempt,
        outbound_campaign_id,
        case
            when outbound_campaign_id is null then null
            when outbound_connected > 0 then true
            else coalesce(disposition_name like '%live_voice%', false)
        end as is_answered,
        originating_direction = 'inbound' as is_customer_initiated
    from resolved

),

final as (

    select
        conversation_id,
        conversation_started_at,
        customer_key,
        {{ engagement_contact_key('customer_key', 'crm_lead_id') }} as contact_key,
        crm_lead_id,
        customer_resolved_by,
        channel,
        media_type,
        originating_direction,
        is_outbound_attempt,
        outbound_campaign_id,
        is_answered,
        is_customer_initiated
    from shaped
    where customer_key is not null or crm_lead_id is not null

)

select * from final
