{#-
    One row per campaign touch (grain: touch_id), every source in one shape:
      * marketing touches (ad clicks, email opens / clicks, SMS) — touch_id as exported, touched_at in UTC;
      * answered outbound dialer calls from Genesys — touch_id = conversationId, touched_at = conversation
        start (truth rule: only a connected call, nOutboundConnected > 0, is a touch; unanswered attempts
        are not).
    A dialer call's campaign is its CampaignID participant attribute (interaction-scoped, seed 001), else its
    session's outboundCampaignId mapped to the registry through the calls that carry both.
    A touch without a campaign is kept, classified 'unknown' (is_campaign_unknown), never 'organic'.
    Customers are matched through int_identity__identifier_lookup (macro resolve_customer_key):
      marketing: CRM lead id (source record of var('crm_source_system')) > email > phone;
      dialer:    CRM_LeadId attribute (same) > CRM_AccountId attribute > dialled number (dnis, E.164);
    then, for an email / number no customer record holds, the one customer interactions observed it with
    together with a CRM id (int_identity__observed_identifiers; an anonymous ad click stays unlinked).
    touch_sequence is the TouchSequence attribute when present, else the touch's position (1, 2, …) among
    the same customer's touches of the same campaign, ordered by time then touch_id.
-#}

with

marketing_touches as (

    select * from {{ ref('stg_marketing__touches') }}

),

campaigns as (

    select * from {{ ref('stg_marketing__campaigns') }}

),

conversations as (

    select * from {{ ref('stg_genesys__conversations') }}

),

participants as (

    select * from {{ ref('stg_genesys__participants') }}

),

sessions as (

    select * from {{ ref('stg_genesys__sessions') }}

),

session_metrics as (

    select * from {{ ref('stg_genesys__session_metrics') }}

),

record_identifiers as (

    select * from {{ ref('int_identity__identifier_lookup') }}

),

observed_identifiers as (

    select * from {{ ref('int_identity__observed_identifiers') }}

),

-- record identifiers, then contact details only interactions know (their own identifier types)
identifier_lookup as (

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

),

-- customer sessions placed by the outbound dialer
dialer_sessions as (

    select
        sessions.conversation_id,
        sessions.session_key,
        sessions.session_index,
        sessions.outbound_campaign_id,
        sessions.outbound_contact_id,
        sessions.dnis_e164,
        sessions.disposition_name,
        participants.attr_campaign_id,
        participants.attr_touch_sequence,
        participants.attr_lead_source,
        participants.attr_crm_lead_id,
        participants.attr_crm_account_id,
        participants.participant_index
    from sessions
    inner join participants
        on sessions.participant_key = participants.participant_key
    where
        sessions.purpose = 'customer'
        and sessions.direction = 'outbound'
        and sessions.outbound_campaign_id is not null

),

connected_sessions as (

    select distinct session_key
    from session_metrics
    where
        metric_name = 'nOutboundConnected'
        and metric_value > 0

),

-- one dialer call per conversation: its first customer session, answered when any session connected
dialer_calls as (

    select
        dialer_sessions.conversation_id,
        dialer_sessions.outbound_campaign_id,
        dialer_sessions.outbound_contact_id,
        dialer_sessions.dnis_e164,
        dialer_sessions.disposition_name,
        nullif(trim(dialer_sessions.attr_campaign_id), '') as attr_campaign_id,
        dialer_sessions.attr_touch_sequence,
        dialer_sessions.attr_lead_source,
        nullif(trim(dialer_sessions.attr_crm_lead_id), '') as attr_crm_lead_id,
        nullif(trim(dialer_sessions.attr_crm_account_id), '') as attr_crm_account_id,
        row_number() over (
            partition by dialer_sessions.conversation_id
            order by dialer_sessions.participant_index, dialer_sessions.session_index
        ) as session_rank,
        max(case when connected_sessions.session_key is not null then 1 else 0 end) over (
            partition by dialer_sessions.conversation_id
        ) as is_answered
    from dialer_sessions
    left join connected_sessions
        on dialer_sessions.session_key = connected_sessions.session_key

),

-- outboundCampaignId → registry campaign, learnt from calls that carry both (the most frequent pairing)
outbound_campaign_pairs as (

    select
        dialer_calls.outbound_campaign_id,
        dialer_calls.attr_campaign_id as campaign_id,
        count(*) as calls
    from dialer_calls
    inner join campaigns
        on dialer_calls.attr_campaign_id = campaigns.campaign_id
    where dialer_calls.session_rank = 1
    group by dialer_calls.outbound_campaign_id, dialer_calls.attr_campaign_id

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

dialer_touches as (

    select
        dialer_calls.conversation_id as touch_id,
        'genesys_outbound' as touch_source,
        'outbound_call' as channel,
        coalesce(dialer_calls.attr_campaign_id, outbound_campaign_map.campaign_id) as campaign_id,
        case
            when dialer_calls.attr_campaign_id is not null then 'participant_attribute'
            when outbound_campaign_map.campaign_id is not null then 'outbound_campaign_map'
        end as campaign_id_source,
        dialer_calls.attr_touch_sequence,
        conversations.conversation_started_at as touched_at,
        dialer_calls.outbound_campaign_id,
        dialer_calls.disposition_name,
        dialer_calls.attr_lead_source as lead_source,
        dialer_calls.attr_crm_lead_id as lead_id,
        dialer_calls.attr_crm_account_id as account_id,
        cast(null as varchar) as email,
        dialer_calls.dnis_e164 as phone_e164
    from dialer_calls
    inner join conversations
        on dialer_calls.conversation_id = conversations.conversation_id
    left join outbound_campaign_map
        on dialer_calls.outbound_campaign_id = outbound_campaign_map.outbound_campaign_id
    where
        dialer_calls.session_rank = 1
        and dialer_calls.is_answered = 1

),

marketing_shaped as (

    select
        touch_id,
        'marketing' as touch_source,
        channel,
        campaign_id,
        case when campaign_id is not null then 'marketing_export' end as campaign_id_source,
        cast(null as integer) as attr_touch_sequence,
        touched_at,
        cast(null as varchar) as outbound_campaign_id,
        cast(null as varchar) as disposition_name,
        cast(null as varchar) as lead_source,
        lead_id,
        cast(null as varchar) as account_id,
        email,
        phone_e164
    from marketing_touches

),

all_touches as (

    select * from marketing_shaped
    union all
    select * from dialer_touches

),

-- every identifier a touch carries, most trusted first
touch_identifiers as (

    select
        touch_id as event_id,
        1 as match_priority,
        'source_record' as identifier_type,
        lead_id as identifier_value,
        '{{ var("crm_source_system") }}' as source_system
    from all_touches
    where lead_id is not null

    union all

    select
        touch_id as event_id,
        2 as match_priority,
        'account_id' as identifier_type,
        account_id as identifier_value,
        '*' as source_system
    from all_touches
    where account_id is not null

    union all

    select
        touch_id as event_id,
        3 as match_priority,
        'email' as identifier_type,
        email as identifier_value,
        '*' as source_system
    from all_touches
    where email is not null

    union all

    select
        touch_id as event_id,
        4 as match_priority,
        'phone_e164' as identifier_type,
        phone_e164 as identifier_value,
        '*' as source_system
    from all_touches
    where phone_e164 is not null

    union all

    select
        touch_id as event_id,
        5 as match_priority,
        'observed_email' as identifier_type,
        email as identifier_value,
        '*' as source_system
    from all_touches
    where email is not null

    union all

    select
        touch_id as event_id,
        6 as match_priority,
        'observed_phone_e164' as identifier_type,
        phone_e164 as identifier_value,
        '*' as source_system
    from all_touches
    where phone_e164 is not null

),

touch_customers as (

    {{ resolve_customer_key('touch_identifiers', 'identifier_lookup') }}

),

enriched as (

    select
        all_touches.touch_id,
        all_touches.touch_source,
        all_touches.channel,
        all_touches.campaign_id,
        all_touches.campaign_id is null as is_campaign_unknown,
        case when all_touches.campaign_id is null then 'unknown' else 'campaign' end as campaign_class,
        all_touches.campaign_id_source,
        campaigns.campaign_id is not null as is_campaign_in_registry,
        campaigns.campaign_name,
        campaigns.channel_type as campaign_channel_type,
        coalesce(campaigns.attribution_window_hours, {{ var('attribution_window_hours') }})
            as attribution_window_hours,
        all_touches.attr_touch_sequence,
        all_touches.touched_at,
        cast(all_touches.touched_at as date) as touched_on,
        touch_customers.customer_key,
        touch_customers.customer_match_method,
        all_touches.outbound_campaign_id,
        all_touches.disposition_name,
        all_touches.lead_source
    from all_touches
    left join campaigns
        on all_touches.campaign_id = campaigns.campaign_id
    left join touch_customers
        on all_touches.touch_id = touch_customers.event_id

),

final as (

    select
        touch_id,
        touch_source,
        channel,
        campaign_id,
        is_campaign_unknown,
        campaign_class,
        campaign_id_source,
        is_campaign_in_registry,
        campaign_name,
        campaign_channel_type,
        attribution_window_hours,
        coalesce(
            attr_touch_sequence,
            row_number() over (
                partition by coalesce(customer_key, touch_id), campaign_id
                order by touched_at, touch_id
            )
        ) as touch_sequence,
        case when attr_touch_sequence is not null then 'participant_attribute' else 'derived' end
            as touch_sequence_source,
        touched_at,
        touched_on,
        customer_key,
        customer_match_method,
        outbound_campaign_id,
        disposition_name,
        lead_source
    from enriched

)

select
    touch_id,
    touch_source,
    channel,
    campaign_id,
    is_campaign_unknown,
    campaign_class,
    campaign_id_source,
    is_campaign_in_registry,
    campaign_name,
    campaign_channel_type,
    attribution_window_hours,
    touch_sequence,
    touch_sequence_source,
    touched_at,
    touched_on,
    customer_key,
    customer_match_method,
    outbound_campaign_id,
    disposition_name,
    lead_source
from final
