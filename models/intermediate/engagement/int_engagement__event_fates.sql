with

events as (

    select * from {{ ref('int_engagement__events_normalized') }}

),

measured as (

    select
        event_key,
        manifest_violation,
        manifest_violation_field,
        {{ seconds_between('first_received_at', 'event_timestamp') }} as ahead_of_arrival_seconds,
        {{ seconds_between(reference_time(), 'event_timestamp') }} as ahead_of_reference_seconds,
        {{ seconds_between('event_timestamp', 'first_received_at') }} as arrival_lag_seconds
    from events

),

flagged as (

    select
        event_key,
        manifest_violation,
        manifest_violation_field,
        ahead_of_arrival_seconds,
        ahead_of_reference_seconds,
        arrival_lag_seconds,
        manifest_violation is not null as violates_manifest,
        coalesce(
            ahead_of_reference_seconds > {{ var('engagement_future_tolerance_seconds') }}
            or ahead_of_arrival_seconds > {{ var('engagement_future_tolerance_seconds') }},
            false
        ) as is_future,
        coalesce(arrival_lag_seconds > {{ var('engagement_backfill_after_days') }} * 86400, false) as is_stale
    from measured

),

final as (

    select
        event_key,
        case
            when violates_manifest or is_future then 'reject'
            when is_stale then 'backfill'
            else 'valid'
        end as fate,
        case
            when violates_manifest then 'dead_letter'
            when is_future then 'reconciliation'
        end as reject_queue,
        case
            when violates_manifest then manifest_violation
            when is_future then 'future_event_timestamp'
        end as reject_reason,
        case
            when violates_manifest then manifest_violation_field
            when is_future then 'event_timestamp'
        end as reject_field,
        arrival_lag_seconds,
        ahead_of_reference_seconds,
        ahead_of_arrival_seconds
    from flagged

)

select * from final
