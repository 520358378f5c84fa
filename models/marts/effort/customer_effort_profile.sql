with conversation_effort as (
    select * from {{ ref('fct_conversation_effort') }}
    where customer_key is not null and is_scored
),

flagged as (
    select
        customer_key,
        conversation_id,
        conversation_started_at,
        ces_score,
        is_high_effort,
        transfer_count,
        conversation_started_at > {{ dateadd('day', -var('ces_profile_window_days'), reference_time()) }}
        and conversation_started_at <= {{ reference_time() }} as is_in_window
    from conversation_effort
),

rolled_up as (
    select
        customer_key,
        count(*) as conversations_scored,
        {{ max_by('conversation_id', 'conversation_started_at') }} as last_conversation_id,
        max(conversation_started_at) as last_conversation_at,
        {{ max_by('ces_score', 'conversation_started_at') }} as last_ces,
        count(case when is_in_window then 1 end) as conversations_in_window,
        avg(case when is_in_window then ces_score end) as ces_mean_in_window,
        count(case when is_in_window and is_high_effort then 1 end) as high_effort_in_window,
        coalesce(sum(case when is_in_window then transfer_count end), 0) as transfers_in_window,
        max(case when is_high_effort then conversation_started_at end) as last_high_effort_at
    from flagged
    group by customer_key
),

final as (
    select
        customer_key,
        conversations_scored,
        last_conversation_id,
        last_conversation_at,
        cast(last_ces as integer) as last_ces,
        conversations_in_window,
        ces_mean_in_window,
        high_effort_in_window,
        cast(transfers_in_window as bigint) as transfers_in_window,
        last_high_effort_at
    from rolled_up
)

select * from final
