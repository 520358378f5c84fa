-- One row per user status record: presence (primaryPresence: systemPresence) and ACD routing status
-- (routingStatus), from users details jobs. A record listed by two days' jobs (it spans midnight) or by a later
-- extract once it closed is kept once per user, kind and start: the closed version, then the latest end.
with details as (
    select
        user_id,
        {{ json_parse_typed('payload', genesys_user_detail_type()) }} as detail,
        _loaded_at
    from {{ source('genesys', 'genesys_user_details') }}
),

presence as (
    {{ unnest_rows('details', 'details.detail.primaryPresence', ['details.user_id', 'details._loaded_at'],
                   'record', 'record_index') }}
),

routing as (
    {{ unnest_rows('details', 'details.detail.routingStatus', ['details.user_id', 'details._loaded_at'],
                   'record', 'record_index') }}
),

records as (
    select
        user_id,
        'presence' as status_kind,
        record.systemPresence as status,
        record.organizationPresenceId as organization_presence_id,
        {{ iso_to_utc('record.startTime') }} as started_at,
        {{ iso_to_utc('record.endTime') }} as ended_at,
        _loaded_at
    from presence
    union all
    select
        user_id,
        'routing' as status_kind,
        record.routingStatus as status,
        cast(null as {{ dbt.type_string() }}) as organization_presence_id,
        {{ iso_to_utc('record.startTime') }} as started_at,
        {{ iso_to_utc('record.endTime') }} as ended_at,
        _loaded_at
    from routing
),

ranked as (
    select
        user_id,
        status_kind,
        status,
        organization_presence_id,
        started_at,
        ended_at,
        row_number() over (
            partition by user_id, status_kind, started_at
            order by case when ended_at is null then 1 else 0 end, ended_at desc, _loaded_at desc
        ) as version_rank
    from records
    where started_at is not null and user_id is not null
),

final as (
    select
        {{ surrogate_key(['user_id', 'status_kind', 'started_at']) }} as user_status_key,
        user_id,
        status_kind,
        status,
        organization_presence_id,
        started_at,
        ended_at,
        case
            when ended_at < started_at then 'endTime is before startTime'
        end as quality_issue
    from ranked
    where version_rank = 1
)

select * from final
