-- Genesys's queue metrics per interval × queue × media type; every definition is in the model's yml, next to
-- its column. Counts and millisecond sums are exactly what POST /api/v2/analytics/conversations/aggregates/query
-- reports (`cx verify kpis` compares them); rates and averages are derived from them.
with session_metrics as (
    select * from {{ ref('int_contact_centre__queue_session_metrics') }}
),

media_settings as (
    select * from {{ ref('stg_genesys__queue_media_settings') }}
),

queues as (
    select * from {{ ref('dim_queues') }}
),

with_targets as (
    select
        session_metrics.interval_start,
        session_metrics.queue_id,
        session_metrics.media_type,
        session_metrics.metric_name,
        session_metrics.metric_value,
        media_settings.service_level_target,
        media_settings.service_level_duration_ms
    from session_metrics
    left join media_settings
        on
            session_metrics.queue_id = media_settings.queue_id
            and session_metrics.media_type = media_settings.media_type
),

grouped as (
    select
        interval_start,
        queue_id,
        media_type,
        max(service_level_target) as service_level_target,
        max(service_level_duration_ms) as service_level_duration_ms,
        sum(case when metric_name = 'nOffered' then metric_value else 0 end) as offered,
        sum(case when metric_name = 'tAnswered' then 1 else 0 end) as answered,
        sum(case when metric_name = 'tAnswered' then metric_value else 0 end) as answer_ms_total,
        sum(
            case
                when metric_name = 'tAnswered' and metric_value <= service_level_duration_ms then 1 else 0
            end
        ) as answered_within_service_level,
        sum(case when metric_name = 'tAbandon' then 1 else 0 end) as abandoned,
        sum(case when metric_name = 'tAbandon' then metric_value else 0 end) as abandon_ms_total,
        sum(case when metric_name = 'tShortAbandon' then 1 else 0 end) as short_abandoned,
        sum(case when metric_name = 'tFlowOut' then 1 else 0 end) as flow_outs,
        sum(case when metric_name = 'tAcd' then 1 else 0 end) as acd_count,
        sum(case when metric_name = 'tAcd' then metric_value else 0 end) as acd_ms_total,
        sum(case when metric_name = 'tAlert' then 1 else 0 end) as alert_count,
        sum(case when metric_name = 'tAlert' then metric_value else 0 end) as alert_ms_total,
        sum(case when metric_name = 'tHandle' then 1 else 0 end) as handled,
        sum(case when metric_name = 'tHandle' then metric_value else 0 end) as handle_ms_total,
        sum(case when metric_name = 'tTalk' then 1 else 0 end) as talk_count,
        sum(case when metric_name = 'tTalk' then metric_value else 0 end) as talk_ms_total,
        sum(case when metric_name = 'tHeld' then 1 else 0 end) as held_count,
        sum(case when metric_name = 'tHeld' then metric_value else 0 end) as held_ms_total,
        sum(case when metric_name = 'tAcw' then 1 else 0 end) as acw_count,
        sum(case when metric_name = 'tAcw' then metric_value else 0 end) as acw_ms_total,
        sum(case when metric_name = 'nTransferred' then metric_value else 0 end) as transferred
    from with_targets
    group by interval_start, queue_id, media_type
),

final as (
    select
        {{ surrogate_key(['grouped.interval_start', 'grouped.queue_id', 'grouped.media_type']) }}
            as queue_performance_key,
        grouped.interval_start,
        {{ dateadd('minute', var('queue_performance_interval_minutes'), 'grouped.interval_start') }}
            as interval_end,
        grouped.queue_id,
        queues.queue_name,
        grouped.media_type,
        cast(grouped.offered as bigint) as offered,
        cast(grouped.answered as bigint) as answered,
        cast(grouped.abandoned as bigint) as abandoned,
        cast(grouped.short_abandoned as bigint) as short_abandoned,
        cast(grouped.flow_outs as bigint) as flow_outs,
        cast(case when grouped.offered > 0 then grouped.abandoned * 1.0 / grouped.offered end as double)
            as abandon_rate,
        cast(grouped.answered_within_service_level as bigint) as answered_within_service_level,
        cast(grouped.answered + grouped.abandoned - grouped.short_abandoned as bigint) as service_level_denominator,
        -- cast: Spark computes these quotients as decimals
        cast(case
            when grouped.answered + grouped.abandoned - grouped.short_abandoned > 0
                then
                    grouped.answered_within_service_level * 1.0
                    / (grouped.answered + grouped.abandoned - grouped.short_abandoned)
        end as double) as service_level,
        grouped.service_level_target,
        cast(grouped.service_level_duration_ms / 1000.0 as double) as service_level_seconds,
        case when grouped.answered > 0 then grouped.answer_ms_total / 1000.0 / grouped.answered end as asa_seconds,
        case when grouped.handled > 0 then grouped.handle_ms_total / 1000.0 / grouped.handled end as aht_seconds,
        case when grouped.talk_count > 0 then grouped.talk_ms_total / 1000.0 / grouped.talk_count end
            as avg_talk_seconds,
        case when grouped.held_count > 0 then grouped.held_ms_total / 1000.0 / grouped.held_count end
            as avg_hold_seconds,
        case when grouped.acw_count > 0 then grouped.acw_ms_total / 1000.0 / grouped.acw_count end
            as avg_acw_seconds,
        cast(grouped.transferred as bigint) as transferred,
        cast(grouped.answer_ms_total as bigint) as answer_ms_total,
        cast(grouped.abandon_ms_total as bigint) as abandon_ms_total,
        cast(grouped.acd_count as bigint) as acd_count,
        cast(grouped.acd_ms_total as bigint) as acd_ms_total,
        cast(grouped.alert_count as bigint) as alert_count,
        cast(grouped.alert_ms_total as bigint) as alert_ms_total,
        cast(grouped.handled as bigint) as handled,
        cast(grouped.handle_ms_total as bigint) as handle_ms_total,
        cast(grouped.talk_count as bigint) as talk_count,
        cast(grouped.talk_ms_total as bigint) as talk_ms_total,
        cast(grouped.held_count as bigint) as held_count,
        cast(grouped.held_ms_total as bigint) as held_ms_total,
        cast(grouped.acw_count as bigint) as acw_count,
        cast(grouped.acw_ms_total as bigint) as acw_ms_total
    from grouped
    left join queues on grouped.queue_id = queues.queue_id
)

select * from final
