with conversation_effort as (
    select * from {{ ref('fct_conversation_effort') }}
),

queues as (
    select * from {{ ref('dim_queues') }}
),

grouped as (
    select
        conversation_date,
        coalesce(first_queue_id, '(no queue)') as queue_id,
        media_type,
        count(*) as conversations,
        count(case when not is_scored then 1 end) as unscored_conversations,
        avg(ces_score) as ces_mean,
        percentile_cont(0.5) within group (order by ces_score) as ces_median,
        avg(case when is_scored then case when is_high_effort then 1e0 else 0e0 end end) as high_effort_share,
        avg(transfer_count) as transfers_mean,
        avg(queue_wait_seconds) as queue_wait_seconds_mean,
        sum(case when is_abandoned then 1 else 0 end) as abandoned_conversations
    from conversation_effort
    group by conversation_date, coalesce(first_queue_id, '(no queue)'), media_type
),

final as (
    select
        {{ surrogate_key(['grouped.conversation_date', 'grouped.queue_id', 'grouped.media_type']) }}
            as effort_daily_key,
        grouped.conversation_date,
        grouped.queue_id,
        queues.queue_name,
        grouped.media_type,
        grouped.conversations,
        grouped.unscored_conversations,
        grouped.ces_mean,
        grouped.ces_median,
        grouped.high_effort_share,
        grouped.transfers_mean,
        grouped.queue_wait_seconds_mean,
        grouped.abandoned_conversations
    from grouped
    left join queues on grouped.queue_id = queues.queue_id
)

select * from final
