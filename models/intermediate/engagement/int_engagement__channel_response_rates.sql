with

events as (

    select * from {{ ref('int_engagement__events_validated') }}

),

interactions as (

    select * from {{ ref('int_engagement__genesys_interactions') }}

),

touchpoints as (

    select
        contact_key,
        channel_origin as channel,
        1 as is_response,
        event_timestamp as touched_at
    from events
    where
        channel_origin is not null
        and event_timestamp <= {{ reference_time() }}
        and event_timestamp
        > {{ dateadd('day', -var('engagement_channel_lookback_days'), reference_time()) }}

    union all

    select
        contact_key,
        channel,
        case when is_customer_initiated or is_answered then 1 else 0 end as is_response,
        conversation_started_at as touched_at
    from interactions
    where
        (is_customer_initiated or is_outbound_attempt)
        and conversation_started_at <= {{ reference_time() }}
        and conversation_started_at
        > {{ dateadd('day', -var('engagement_channel_lookback_days'), reference_time()) }}

),

per_channel as (

    select
        contact_key,
        channel,
        sum(is_response) as responses,
        count(*) - sum(is_response) as unanswered_outreach,
        max(case when is_response = 1 then touched_at end) as last_response_at
    from touchpoints
    group by contact_key, channel

),

rated as (

    select
        contact_key,
        channel,
        responses,
        unanswered_outreach,
        last_response_at,
        sum(responses) over (partition by contact_key) as contact_responses,
        cast(responses as double)
        / nullif(sum(responses) over (partition by contact_key) + unanswered_outreach, 0) as response_rate
    from per_channel

),

final as (

    select
        contact_key,
        channel,
        responses,
        unanswered_outreach,
        contact_responses,
        coalesce(response_rate, 0) as response_rate,
        last_response_at,
        row_number() over (
            partition by contact_key
            order by coalesce(response_rate, 0) desc, responses desc, last_response_at desc nulls last, channel asc
        ) as channel_rank
    from rated

)

select * from final
