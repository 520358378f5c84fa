{{ config(materialized='incremental', unique_key='conversation_id') }}
{%- set incremental = incremental_ready('conversation_loaded_at') %}
-- Incremental: the metrics of the conversations whose latest version changed since the last run.
with sessions as (
    select * from {{ ref('base_genesys__sessions') }}
    {%- if incremental %}
        where conversation_loaded_at > {{ incremental_watermark('conversation_loaded_at') }}
    {%- endif %}
),

metrics as (
    {{ unnest_rows(
        'sessions',
        'sessions.session.metrics',
        ['sessions.conversation_id', 'sessions.participant_id', 'sessions.session.sessionId as session_id',
         'sessions.purpose', 'sessions.conversation_loaded_at'],
        'metric',
        'metric_index',
    ) }}
),

final as (
    select
        {{ surrogate_key(['conversation_id', 'participant_id', 'session_id', 'metric_index']) }} as metric_key,
        {{ surrogate_key(['conversation_id', 'participant_id', 'session_id']) }} as session_key,
        conversation_id,
        participant_id,
        session_id,
        metric_index,
        purpose,
        metric.name as metric_name,
        metric.value as metric_value,
        case when metric.name like 't%' then metric.value / 1000.0 end as metric_seconds,
        {{ iso_to_utc('metric.emitDate') }} as emitted_at,
        -- Genesys counts and durations are never negative; such a value is kept but flagged
        case
            when metric.value is null then metric.name || ' has no numeric value'
            when metric.value < 0 then metric.name || ' is negative'
        end as quality_issue,
        conversation_loaded_at
    from metrics
)

select * from final
