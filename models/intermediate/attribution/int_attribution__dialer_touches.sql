with

customer_sessions as (

    select * from {{ ref('int_identity__customer_sessions') }}

),

conversations as (

    select * from {{ ref('stg_genesys__conversations') }}

),

session_metrics as (

    select * from {{ ref('stg_genesys__session_metrics') }}

),

campaigns as (

    select * from {{ ref('stg_marketing__campaigns') }}

),

conversation_customers as (

    select * from {{ ref('int_identity__conversation_customers') }}

),

connected_sessions as (

    select distinct session_key
    from session_metrics
    where
        metric_name = 'nOutboundConnected'
        and metric_value > 0

),

-- one dialer call per conversation: its first dialer session, answered when any of them connected
dialer_calls as (

    select
        customer_sessions.conversation_id,
        customer_sessions.outbound_campaign_id,
        customer_sessions.disposition_name,
        customer_sessions.attr_campaign_id,
        customer_sessions.attr_touch_sequence,
        customer_sessions.attr_lead_source,
        row_number() over (
            partition by customer_sessions.conversation_id
            order by customer_sessions.session_rank
        ) as dialer_session_rank,
        max(case when connected_sessions.session_key is not null then 1 else 0 end) over (
            partition by customer_sessions.conversation_id
        ) as is_answered
    from customer_sessions
    left join connected_sessions
        on customer_sessions.session_key = connected_sessions.session_key
    where
        customer_sessions.direction = 'outbound'
        and customer_sessions.outbound_campaign_id is not null

),

first_dialer_sessions as (

    select * from dialer_calls
    where dialer_session_rank = 1

),

-- outboundCampaignId → registry campaign, learnt from calls that carry both
outbound_campaign_pairs as (

    select
        first_dialer_sessions.outbound_campaign_id,
        first_dialer_sessions.attr_campaign_id as campaign_id,
        count(*) as calls
    from first_dialer_sessions
    inner join campaigns
        on first_dialer_sessions.attr_campaign_id = campaigns.campaign_id
    group by first_dialer_sessions.outbound_campaign_id, first_dialer_sessions.attr_campaign_id

),

outbound_campaign_map as (

    select
        outbound_campaign_id,
        campaign_id
    from (
        select
            outbound_campaign_id,
            campaign_id,
            row_number() over (
                partition by outbound_campaign_id
                order by calls desc, campaign_id asc
            ) as pairing_rank
        from outbound_campaign_pairs
    ) as ranked_pairs
    where pairing_rank = 1

),

final as (

    select
        first_dialer_sessions.conversation_id as touch_id,
        'genesys_outbound' as touch_source,
        'outbound_call' as channel,
        coalesce(first_dialer_sessions.attr_campaign_id, outbound_campaign_map.campaign_id) as campaign_id,
        case
            when first_dialer_sessions.attr_campaign_id is not null then 'participant_attribute'
            when outbound_campaign_map.campaign_id is not null then 'outbound_campaign_map'
        end as campaign_id_source,
        first_dialer_sessions.attr_touch_sequence,
        conversations.conversation_started_at as touched_at,
        first_dialer_sessions.outbound_campaign_id,
        first_dialer_sessions.disposition_name,
        first_dialer_sessions.attr_lead_source as lead_source,
        conversation_customers.customer_key,
        conversation_customers.customer_match_method
    from first_dialer_sessions
    inner join conversations
        on first_dialer_sessions.conversation_id = conversations.conversation_id
    left join outbound_campaign_map
        on first_dialer_sessions.outbound_campaign_id = outbound_campaign_map.outbound_campaign_id
    left join conversation_customers
        on first_dialer_sessions.conversation_id = conversation_customers.conversation_id
    where first_dialer_sessions.is_answered = 1

)

select * from final
