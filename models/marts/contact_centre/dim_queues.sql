with queues as (
    select * from {{ ref('stg_genesys__queues') }}
),

divisions as (
    select * from {{ ref('stg_genesys__divisions') }}
),

members as (
    select
        queue_id,
        count(*) as current_member_count
    from {{ ref('stg_genesys__queue_members') }}
    where not is_deleted
    group by queue_id
),

final as (
    select
        queues.queue_id,
        queues.queue_name,
        queues.division_id,
        divisions.division_name,
        coalesce(members.current_member_count, 0) as current_member_count,
        queues.acw_wrapup_prompt,
        queues.acw_timeout_ms,
        queues.skill_evaluation_method,
        queues.queue_created_at,
        queues.is_deleted,
        queues.deleted_detected_at
    from queues
    left join divisions on queues.division_id = divisions.division_id
    left join members on queues.queue_id = members.queue_id
)

select * from final
