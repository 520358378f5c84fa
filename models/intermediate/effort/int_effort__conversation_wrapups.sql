-- One row per conversation that has a wrap-up code: the code of its last agent wrap-up segment (by segment
-- start, then participant and segment order) and the agent who set it. A transferring agent's wrap-up
-- without a code does not count (reference §1.6: the code sits on the agent's `wrapup` segment).
with segments as (
    select * from {{ ref('stg_genesys__segments') }}
    where segment_type = 'wrapup' and wrap_up_code is not null
),

participants as (
    select * from {{ ref('stg_genesys__participants') }}
),

ranked as (
    select
        segments.conversation_id,
        segments.wrap_up_code,
        participants.user_id,
        segments.segment_started_at,
        row_number() over (
            partition by segments.conversation_id
            order by segments.segment_started_at desc, segments.participant_id desc, segments.segment_index desc
        ) as recency
    from segments
    left join participants
        on
            segments.conversation_id = participants.conversation_id
            and segments.participant_id = participants.participant_id
),

final as (
    select
        conversation_id,
        wrap_up_code as wrapup_code_id,
        user_id as wrapup_user_id,
        segment_started_at as wrapup_started_at
    from ranked
    where recency = 1
)

select * from final
