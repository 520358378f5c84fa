with latest as (
    select * from {{ ref('base_genesys__conversations_latest') }}
),

typed as (
    select
        conversation_id,
        {{ iso_to_utc('conversation.conversationStart') }} as conversation_started_at,
        {{ iso_to_utc('conversation.conversationEnd') }} as conversation_ended_at,
        conversation,
        version_count,
        _loaded_at,
        last_loaded_at
    from latest
),

final as (
    select
        conversation_id,
        conversation_started_at,
        conversation_ended_at,
        conversation.conversationEnd is not null as is_complete,
        {{ seconds_between('conversation_started_at', 'conversation_ended_at') }} as conversation_duration_seconds,
        conversation.originatingDirection as originating_direction,
        conversation.conversationInitiator as conversation_initiator,
        conversation.customerParticipation as customer_participation,
        conversation.selfServed as self_served,
        conversation.externalTag as external_tag,
        conversation.divisionIds as division_ids,
        conversation.mediaStatsMinConversationMos as min_mos,
        conversation.mediaStatsMinConversationRFactor as min_r_factor,
        {{ list_length('conversation.participants') }} as participant_count,
        case
            when conversation_started_at is null then 'conversationStart is missing or not a timestamp'
            when not {{ is_genesys_id('conversation_id') }} then 'conversationId is not a Genesys id (UUID)'
            when conversation_ended_at < conversation_started_at then 'conversationEnd is before conversationStart'
            when conversation.conversationEnd is not null and conversation_ended_at is null
                then 'conversationEnd is not a timestamp'
        end as quality_issue,
        version_count,
        _loaded_at,
        last_loaded_at
    from typed
)

select * from final
