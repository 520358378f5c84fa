{{ config(materialized='incremental', unique_key='conversation_id') }}
{%- set incremental = incremental_ready('conversation_loaded_at') %}
-- Incremental: the sessions of the conversations whose latest version changed since the last run.
with sessions as (
    select * from {{ ref('base_genesys__sessions') }}
    {%- if incremental %}
        where conversation_loaded_at > {{ incremental_watermark('conversation_loaded_at') }}
    {%- endif %}
),

final as (
    select
        {{ surrogate_key(['conversation_id', 'participant_id', 'session.sessionId']) }} as session_key,
        {{ surrogate_key(['conversation_id', 'participant_id']) }} as participant_key,
        conversation_id,
        participant_id,
        session.sessionId as session_id,
        session_index,
        purpose,
        user_id,
        session.mediaType as media_type,
        session.direction as direction,
        session.ani as ani_raw,
        session.dnis as dnis_raw,
        {{ normalize_phone('session.ani') }} as ani_e164,
        {{ normalize_phone('session.dnis') }} as dnis_e164,
        session.peerId as peer_session_id,
        session.provider as provider,
        session.remote as remote_name,
        session.recording as is_recorded,
        session.usedRouting as used_routing,
        session.selectedAgentId as selected_agent_id,
        session.flowInType as flow_in_type,
        session.flowOutType as flow_out_type,
        session.outboundCampaignId as outbound_campaign_id,
        session.outboundContactId as outbound_contact_id,
        session.outboundContactListId as outbound_contact_list_id,
        session.dispositionAnalyzer as disposition_analyzer,
        session.dispositionName as disposition_name,
        {{ iso_to_utc('session.callbackScheduledTime') }} as callback_scheduled_at,
        session.messageType as message_type,
        session.flow.flowId as flow_id,
        session.flow.flowName as flow_name,
        session.flow.flowType as flow_type,
        session.flow.entryType as flow_entry_type,
        session.flow.exitReason as flow_exit_reason,
        session.flow.transferType as flow_transfer_type,
        session.flow.transferTargetAddress as flow_transfer_target_address,
        {{ list_length('session.segments') }} as segment_count,
        {{ list_length('session.metrics') }} as metric_count,
        conversation_loaded_at
    from sessions
)

select * from final
