with

conversations as (

    select * from {{ ref('stg_genesys__conversations') }}

),

participants as (

    select * from {{ ref('stg_genesys__participants') }}

),

sessions as (

    select * from {{ ref('stg_genesys__sessions') }}

),

segments as (

    select * from {{ ref('stg_genesys__segments') }}

),

conversation_customers as (

    select * from {{ ref('int_identity__conversation_customers') }}

),

customer_sessions as (

    select
        sessions.conversation_id,
        sessions.media_type,
        sessions.direction,
        sessions.message_type,
        sessions.disposition_name,
        sessions.outbound_campaign_id,
        row_number() over (
            partition by sessions.conversation_id
            order by participants.participant_index, sessions.session_index
        ) as session_rank
    from sessions
    inner join participants
        on sessions.participant_key = participants.participant_key
    where sessions.purpose = 'customer'

),

-- the first customer session describes the conversation's channel; identifiers come from all of them
first_customer_session as (

    select
        conversation_id,
        media_type,
        direction,
        message_type,
        outbound_campaign_id
    from customer_sessions
    where session_rank = 1

),

dispositions as (

    select
        conversation_id,
        max(disposition_name) as disposition_name
    from customer_sessions
    group by conversation_id

),

-- the first queue and the last wrap-up code by segment start (then segment key), nulls last as a window would
-- sort them: min_by / max_by over an ordering key, one aggregate pass instead of two windows over every segment
queues_and_wrap_ups as (

    select
        conversation_id,
        {{ min_by('queue_id', 'case when queue_id is not null then '
            ~ ordering_key(['segment_started_at is null', 'segment_started_at', 'segment_key']) ~ ' end') }}
            as first_queue_id,
        {{ max_by('wrap_up_code', 'case when wrap_up_code is not null then '
            ~ ordering_key(['segment_started_at is not null', 'segment_started_at', 'segment_key']) ~ ' end') }}
            as last_wrap_up_code
    from segments
    group by conversation_id

),

final as (

    select
        conversations.conversation_id,
        conversations.conversation_started_at,
        conversations.conversation_ended_at,
        conversations.is_complete,
        conversations.conversation_duration_seconds,
        conversations.originating_direction,
        first_customer_session.media_type,
        first_customer_session.message_type,
        first_customer_session.outbound_campaign_id,
        queues_and_wrap_ups.first_queue_id,
        queues_and_wrap_ups.last_wrap_up_code,
        dispositions.disposition_name,
        conversation_customers.customer_key,
        conversation_customers.customer_match_method
    from conversations
    left join first_customer_session
        on conversations.conversation_id = first_customer_session.conversation_id
    left join dispositions
        on conversations.conversation_id = dispositions.conversation_id
    left join queues_and_wrap_ups
        on conversations.conversation_id = queues_and_wrap_ups.conversation_id
    left join conversation_customers
        on conversations.conversation_id = conversation_customers.conversation_id

)

select * from final
