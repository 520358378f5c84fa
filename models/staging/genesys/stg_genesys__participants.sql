{{ config(materialized='incremental', unique_key='conversation_id') }}
{%- set incremental = incremental_ready('conversation_loaded_at') %}
-- Incremental: the participants of the conversations whose latest version changed since the last run.
with latest as (
    select * from {{ ref('base_genesys__conversations_latest') }}
    {%- if incremental %}
        where last_loaded_at > {{ incremental_watermark('conversation_loaded_at') }}
    {%- endif %}
),

participants as (
    {{ unnest_rows('latest', 'latest.conversation.participants',
                   ['latest.conversation_id', 'latest.last_loaded_at as conversation_loaded_at'],
                   'participant', 'participant_index') }}
),

final as (
    select
        {{ surrogate_key(['conversation_id', 'participant.participantId']) }} as participant_key,
        conversation_id,
        participant.participantId as participant_id,
        participant_index,
        participant.purpose as purpose,
        participant.participantName as participant_name,
        participant.userId as user_id,
        participant.teamId as team_id,
        participant.externalContactId as external_contact_id,
        participant.externalOrganizationId as external_organization_id,
        participant.flaggedReason as flagged_reason,
        participant.attributes as attributes,
        {{ trim_to_null(map_get('participant.attributes', "'CampaignID'")) }} as attr_campaign_id,
        {{ safe_cast(map_get('participant.attributes', "'TouchSequence'"), 'integer') }} as attr_touch_sequence,
        {{ trim_to_null(map_get('participant.attributes', "'LeadSource'")) }} as attr_lead_source,
        {{ trim_to_null(map_get('participant.attributes', "'CRM_LeadId'")) }} as attr_crm_lead_id,
        {{ trim_to_null(map_get('participant.attributes', "'CRM_AccountId'")) }} as attr_crm_account_id,
        {{ normalize_email(map_get('participant.attributes', "'context.email'")) }} as attr_context_email,
        {{ list_length('participant.sessions') }} as session_count,
        case
            when not {{ is_genesys_id('participant.participantId') }} then 'participantId is not a Genesys id (UUID)'
        end as quality_issue,
        conversation_loaded_at
    from participants
)

select * from final
