-- One row per Genesys conversation (its latest landed version), times in UTC.

with latest as (
    select * from {{ ref('base_genesys__conversations_latest') }}
),

final as (
    select
        conversation_id,
        {{ iso_to_utc('conversation.conversationStart') }} as conversation_started_at,
        {{ iso_to_utc('conversation.conversationEnd') }} as conversation_ended_at,
        conversation.conversationEnd is not null as is_complete,
        {{ seconds_between(iso_to_utc('conversation.conversationStart'), iso_to_utc('conversation.conversationEnd')) }}
            as conversation_duration_seconds,
        conversation.originatingDirection as originating_direction,
        conversation.conversationInitiator as conversation_initiator,
        conversation.customerParticipation as customer_participation,
        conversation.selfServed as self_served,
        conversation.externalTag as external_tag,
        conversation.divisionIds as division_ids,
        conversation.mediaStatsMinConversationMos as min_mos,
        conversation.mediaStatsMinConversationRFactor as min_r_factor,
        {{ list_length('conversation.participants') }} as participant_count,
        version_count,
        _loaded_at
    from latest
)

select * from final
