-- One row per queue KPI metric emitted on a session (Genesys metric names), placed where Genesys's conversation
-- aggregates count it: under the session's queue (the queueId of its first segment that has one), its media
-- type, and the interval holding the start of the session's first segment (aggregates' default time dimension
-- is the segment start; alternateTimeDimension=eventTime, the emit time, is not what fct_queue_performance uses).
{%- set kpi_metrics = ['nOffered', 'tAnswered', 'tAbandon', 'tShortAbandon', 'tFlowOut', 'tHandle', 'tTalk',
                       'tHeld', 'tAcw', 'tAcd', 'tAlert', 'nTransferred'] %}
with sessions as (
    select * from {{ ref('stg_genesys__sessions') }}
),

segments as (
    select * from {{ ref('stg_genesys__segments') }}
),

metrics as (
    select * from {{ ref('stg_genesys__session_metrics') }}
    where
        metric_name in (
            {%- for m in kpi_metrics %}
                '{{ m }}'{% if not loop.last %},{% endif %}
            {%- endfor %}
        )
        and metric_value is not null
),

-- the session's start and its queue (the queueId of its first segment that has one, by start then segment index,
-- nulls last as a window sorts them), in one aggregate pass over the segments
session_segments as (
    select
        session_key,
        min(segment_started_at) as session_started_at,
        {{ min_by('queue_id', 'case when queue_id is not null then '
            ~ ordering_key(['segment_started_at is null', 'segment_started_at', 'segment_index']) ~ ' end') }}
            as queue_id
    from segments
    group by session_key
),

final as (
    select
        metrics.metric_key,
        metrics.conversation_id,
        metrics.session_key,
        session_segments.queue_id,
        sessions.media_type,
        {{ interval_bucket_start('session_segments.session_started_at', var('queue_performance_interval_minutes')) }}
            as interval_start,
        metrics.metric_name,
        metrics.metric_value
    from metrics
    inner join sessions on metrics.session_key = sessions.session_key
    inner join session_segments on metrics.session_key = session_segments.session_key
    where session_segments.session_started_at is not null and session_segments.queue_id is not null
)

select * from final
