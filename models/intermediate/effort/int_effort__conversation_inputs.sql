{#- Longer than 200 lines: both shapes of a conversation's effort inputs (details metrics, event stream) and their
    fallbacks are read side by side, so the provenance columns can say which one won. -#}
{{ config(materialized='incremental', unique_key='conversation_id') }}
{%- set incremental = incremental_ready('inputs_loaded_at') %}
-- One row per conversation: the inputs of the behavioural CES (transfers, queue wait) with their
-- provenance, the other effort signals (IVR, hold, handle), and both sources side by side so that
-- disagreements between the event stream and the conversation details are visible, not hidden.
-- Incremental: a conversation is read again, whole, when a version of it or an interaction event about it
-- was landed after the last run (macros/incremental.sql).

with

{%- if incremental %}

    changed as (

        select conversation_id from {{ ref('stg_genesys__conversations') }}
        where last_loaded_at > {{ incremental_watermark('inputs_loaded_at') }}

        union

        select conversation_id from {{ ref('stg_genesys__interaction_events') }}
        where _loaded_at > {{ incremental_watermark('inputs_loaded_at') }}

    ),
{%- endif %}

conversations as (
    select * from {{ ref('stg_genesys__conversations') }}
    {{- only_changed('conversation_id', incremental) }}
),

sessions as (
    select * from {{ ref('stg_genesys__sessions') }}
    {{- only_changed('conversation_id', incremental) }}
),

all_metrics as (
    select * from {{ ref('stg_genesys__session_metrics') }}
    {{- only_changed('conversation_id', incremental) }}
),

-- a flagged metric (negative, not numeric) is never summed; its conversation is not scored
metrics as (
    select * from all_metrics
    where quality_issue is null
),

metric_issues as (
    select
        conversation_id,
        min(quality_issue) as metric_issue
    from all_metrics
    where quality_issue is not null
    group by conversation_id
),

segments as (
    select * from {{ ref('stg_genesys__segments') }}
    {{- only_changed('conversation_id', incremental) }}
),

all_events as (
    select * from {{ ref('stg_genesys__interaction_events') }}
    {{- only_changed('conversation_id', incremental) }}
),

events as (
    select * from all_events
    where event_type = 'interaction.completed'
),

-- the newest landing this row was computed from: conversation versions and events of any type
events_loaded as (
    select
        conversation_id,
        max(_loaded_at) as events_loaded_at
    from all_events
    group by conversation_id
),

-- Details: transfers = Σ nTransferred on agent sessions; queue wait = Σ tAcd on acd sessions
-- (reference §1.4/§1.5). disconnectType = 'transfer' is never counted: IVR→queue and queue→agent
-- hand-offs carry it too.
detail_metrics as (
    select
        conversation_id,
        sum(case when purpose = 'agent' and metric_name = 'nTransferred' then metric_value else 0 end)
            as transfers_details,
        sum(case when purpose = 'agent' and metric_name = 'nBlindTransferred' then metric_value else 0 end)
            as blind_transfers,
        sum(case when purpose = 'agent' and metric_name = 'nConsultTransferred' then metric_value else 0 end)
            as consult_transfers,
        sum(case when purpose = 'acd' and metric_name = 'tAcd' then metric_seconds else 0 end)
            as queue_wait_seconds_details,
        sum(case when purpose = 'acd' and metric_name = 'nOffered' then metric_value else 0 end)
            as queue_offers,
        sum(case when metric_name = 'tIvr' then metric_seconds else 0 end) as ivr_seconds,
        sum(case when purpose = 'agent' and metric_name = 'tHeld' then metric_seconds else 0 end) as hold_seconds,
        sum(case when purpose = 'agent' and metric_name = 'tTalk' then metric_seconds else 0 end) as talk_seconds,
        sum(case when purpose = 'agent' and metric_name = 'tAcw' then metric_seconds else 0 end) as acw_seconds,
        sum(case when purpose = 'agent' and metric_name = 'tHandle' then metric_seconds else 0 end)
            as handle_seconds,
        count(case when purpose = 'acd' and metric_name = 'tAbandon' then 1 end) > 0 as is_abandoned
    from metrics
    group by conversation_id
),

agents as (
    select
        conversation_id,
        count(distinct user_id) as agent_count,
        {{ list_agg_distinct('user_id') }} as agent_user_ids
    from sessions
    where purpose = 'agent' and user_id is not null
    group by conversation_id
),

queues as (
    select
        conversation_id,
        {{ min_by('queue_id', 'segment_started_at') }} as first_queue_id,
        {{ list_agg_distinct('queue_id') }} as queue_ids
    from segments
    where purpose = 'acd' and queue_id is not null
    group by conversation_id
),

customer_media as (
    select
        conversation_id,
        {{ min_by('media_type', 'session_index') }} as media_type
    from sessions
    where purpose in ('customer', 'external')
    group by conversation_id
),

any_media as (
    select
        conversation_id,
        {{ min_by('media_type', 'session_index') }} as media_type
    from sessions
    group by conversation_id
),

latest_event as (
    select
        conversation_id,
        {{ max_by('transfer_count', 'event_at') }} as event_transfer_count,
        {{ max_by('transfer_history_length', 'event_at') }} as event_transfer_history_length,
        {{ max_by('total_queue_wait_seconds', 'event_at') }} as event_queue_wait_seconds,
        max(event_at) as event_at,
        min(quality_issue) as event_issue
    from events
    group by conversation_id
),

-- seed 004, edge case 2: transferCount may be null — or 0 — although transfers happened; then the
-- transferHistory array counts them (its length − 1: the initial contact is not a transfer).
event_transfers as (
    select
        conversation_id,
        event_at,
        event_queue_wait_seconds,
        event_issue,
        cast(case
            when event_transfer_count > 0 then event_transfer_count
            when event_transfer_history_length > 1 then event_transfer_history_length - 1
            when event_transfer_count = 0 then 0
        end as integer) as event_transfers,
        case
            when event_transfer_count > 0 then 'event_transfer_count'
            when event_transfer_history_length > 1 then 'event_transfer_history'
            when event_transfer_count = 0 then 'event_transfer_count'
        end as event_transfers_source
    from latest_event
),

final as (
    select
        conversations.conversation_id,
        conversations.conversation_started_at,
        conversations.conversation_ended_at,
        conversations.is_complete,
        conversations.originating_direction,
        coalesce(customer_media.media_type, any_media.media_type) as media_type,
        queues.first_queue_id,
        queues.queue_ids,
        coalesce(agents.agent_count, 0) as agent_count,
        agents.agent_user_ids,
        coalesce(conversations.quality_issue, metric_issues.metric_issue, event_transfers.event_issue)
            as effort_input_issue,
        event_transfers.event_at is not null as has_event,
        event_transfers.event_transfers,
        cast(detail_metrics.transfers_details as integer) as transfers_details,
        event_transfers.event_queue_wait_seconds,
        detail_metrics.queue_wait_seconds_details,
        -- the event stream first, then the conversation details (seed 004's order of fallbacks)
        coalesce(event_transfers.event_transfers, cast(detail_metrics.transfers_details as integer), 0)
            as transfer_count,
        case
            when event_transfers.event_transfers is not null then event_transfers.event_transfers_source
            when detail_metrics.conversation_id is not null then 'details_n_transferred'
            else 'none'
        end as transfer_count_source,
        coalesce(event_transfers.event_queue_wait_seconds, detail_metrics.queue_wait_seconds_details, 0)
            as queue_wait_seconds,
        case
            when event_transfers.event_queue_wait_seconds is not null then 'event_total_queue_wait'
            when detail_metrics.conversation_id is not null then 'details_t_acd'
            else 'none'
        end as queue_wait_source,
        cast(coalesce(detail_metrics.blind_transfers, 0) as integer) as blind_transfers,
        cast(coalesce(detail_metrics.consult_transfers, 0) as integer) as consult_transfers,
        cast(coalesce(detail_metrics.queue_offers, 0) as integer) as queue_offers,
        coalesce(detail_metrics.ivr_seconds, 0) as ivr_seconds,
        coalesce(detail_metrics.hold_seconds, 0) as hold_seconds,
        coalesce(detail_metrics.talk_seconds, 0) as talk_seconds,
        coalesce(detail_metrics.acw_seconds, 0) as acw_seconds,
        coalesce(detail_metrics.handle_seconds, 0) as handle_seconds,
        coalesce(detail_metrics.is_abandoned, false) as is_abandoned,
        -- disagreements are only defined when both shapes describe the complete conversation
        coalesce(
            conversations.is_complete
            and event_transfers.event_transfers <> cast(detail_metrics.transfers_details as integer),
            false
        ) as transfers_disagree,
        coalesce(
            conversations.is_complete
            and abs(event_transfers.event_queue_wait_seconds - detail_metrics.queue_wait_seconds_details)
            > {{ var('ces_wait_disagreement_seconds') }},
            false
        ) as queue_wait_disagrees,
        greatest(conversations.last_loaded_at, coalesce(events_loaded.events_loaded_at, conversations.last_loaded_at))
            as inputs_loaded_at
    from conversations
    left join detail_metrics on conversations.conversation_id = detail_metrics.conversation_id
    left join agents on conversations.conversation_id = agents.conversation_id
    left join queues on conversations.conversation_id = queues.conversation_id
    left join customer_media on conversations.conversation_id = customer_media.conversation_id
    left join any_media on conversations.conversation_id = any_media.conversation_id
    left join event_transfers on conversations.conversation_id = event_transfers.conversation_id
    left join metric_issues on conversations.conversation_id = metric_issues.conversation_id
    left join events_loaded on conversations.conversation_id = events_loaded.conversation_id
)

select * from final
