with users as (
    select * from {{ ref('stg_genesys__users') }}
),

divisions as (
    select * from {{ ref('stg_genesys__divisions') }}
),

memberships as (
    select
        user_id,
        count(*) as queue_count
    from {{ ref('stg_genesys__queue_members') }}
    where not is_deleted
    group by user_id
),

final as (
    select
        users.user_id,
        users.user_name,
        users.division_id,
        divisions.division_name,
        users.department,
        users.title,
        users.user_state,
        coalesce(memberships.queue_count, 0) as queue_count,
        users.is_deleted,
        users.deleted_detected_at
    from users
    left join divisions on users.division_id = divisions.division_id
    left join memberships on users.user_id = memberships.user_id
)

select * from final
