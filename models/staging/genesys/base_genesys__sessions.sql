{{ config(materialized='ephemeral') }}

-- Every session struct with its conversation and participant: the shared first step of
-- stg_genesys__sessions, stg_genesys__segments and stg_genesys__session_metrics.

with latest as (
    select * from {{ ref('base_genesys__conversations_latest') }}
),

participants as (
    {{ unnest_rows('latest', 'latest.conversation.participants',
                   ['latest.conversation_id', 'latest.last_loaded_at as conversation_loaded_at'],
                   'participant', 'participant_index') }}
),

final as (
    {{ unnest_rows(
        'participants',
        'participants.participant.sessions',
        [
            'participants.conversation_id',
            'participants.conversation_loaded_at',
            'participants.participant.participantId as participant_id',
            'participants.participant.purpose as purpose',
            'participants.participant.userId as user_id',
        ],
        'session',
        'session_index',
    ) }}
)

select * from final
