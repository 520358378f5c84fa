{{ config(materialized='incremental', unique_key='conversation_id') }}
{%- set incremental = incremental_ready('conversation_loaded_at') %}
-- Incremental: the segments of the conversations whose latest version changed since the last run.
with sessions as (
    select * from {{ ref('base_genesys__sessions') }}
    {%- if incremental %}
        where conversation_loaded_at > {{ incremental_watermark('conversation_loaded_at') }}
    {%- endif %}
),

segments as (
    {{ unnest_rows(
        'sessions',
        'sessions.session.segments',
        ['sessions.conversation_id', 'sessions.participant_id', 'sessions.session.sessionId as session_id',
         'sessions.purpose', 'sessions.conversation_loaded_at'],
        'segment',
        'segment_index',
    ) }}
),

final as (
    select
        {{ surrogate_key(['conversation_id', 'participant_id', 'session_id', 'segment_index']) }} as segment_key,
        {{ surrogate_key(['conversation_id', 'participant_id', 'session_id']) }} as session_key,
        conversation_id,
        participant_id,
        session_id,
        segment_index,
        purpose,
        segment.segmentType as segment_type,
        {{ iso_to_utc('segment.segmentStart') }} as segment_started_at,
        {{ iso_to_utc('segment.segmentEnd') }} as segment_ended_at,
        {{ seconds_between(iso_to_utc('segment.segmentStart'), iso_to_utc('segment.segmentEnd')) }}
            as segment_duration_seconds,
        segment.queueId as queue_id,
        segment.disconnectType as disconnect_type,
        segment.wrapUpCode as wrap_up_code,
        segment.wrapUpNote as wrap_up_note,
        segment.conference as is_conference,
        segment.errorCode as error_code,
        segment.groupId as group_id,
        segment.sourceConversationId as source_conversation_id,
        segment.destinationConversationId as destination_conversation_id,
        conversation_loaded_at
    from segments
)

select * from final
