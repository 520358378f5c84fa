{{ config(materialized='ephemeral') }}

-- Every session struct with its conversation and participant: the shared first step of
-- stg_genesys__sessions, stg_genesys__segments and stg_genesys__session_metrics.

with latest as (
    select * from {{ ref('base_genesys__conversations_latest') }}
),

participants as (
    select
        latest.conversation_id,
        participant
    from latest
    cross join {{ unnest_with_index('latest.conversation.participants', 'participant', 'participant_index') }}
),

final as (
    select
        participants.conversation_id,
        participants.participant.participantId as participant_id,
        participants.participant.purpose as purpose,
        participants.participant.userId as user_id,
        session_index,
        session
    from participants
    cross join {{ unnest_with_index('participants.participant.sessions', 'session', 'session_index') }}
)

select * from final
