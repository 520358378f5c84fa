-- Time per user × UTC day × status: each closed presence / routing-status record split at midnight, so a day's
-- seconds never exceed 86,400 per kind. Open records (no endTime yet) are left out until they close.
with status_records as (
    select * from {{ ref('stg_genesys__user_status') }}
    where ended_at is not null and quality_issue is null
),

users as (
    select * from {{ ref('dim_users') }}
),

record_days as (
    {{ day_series_rows('status_records', 'cast(started_at as date)',
                       'cast(' ~ dateadd('millisecond', -1, 'ended_at') ~ ' as date)',
                       ['user_id', 'status_kind', 'status', 'started_at', 'ended_at'], 'status_date') }}
),

clipped as (
    select
        user_id,
        status_kind,
        status,
        status_date,
        {{ seconds_between(
            'greatest(started_at, cast(status_date as timestamp))',
            'least(ended_at, ' ~ dateadd('day', 1, 'cast(status_date as timestamp)') ~ ')'
        ) }} as status_seconds
    from record_days
),

grouped as (
    select
        status_date,
        user_id,
        status_kind,
        status,
        sum(status_seconds) as status_seconds,
        count(*) as records
    from clipped
    group by status_date, user_id, status_kind, status
),

final as (
    select
        {{ surrogate_key(['grouped.status_date', 'grouped.user_id', 'grouped.status_kind', 'grouped.status']) }}
            as agent_status_daily_key,
        grouped.status_date,
        grouped.user_id,
        users.user_name,
        grouped.status_kind,
        grouped.status,
        grouped.status_seconds,
        cast(grouped.records as bigint) as records
    from grouped
    left join users on grouped.user_id = users.user_id
)

select * from final
