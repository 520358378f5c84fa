{#-
    The structure of a Genesys Cloud analytics conversation detail record (SDK 269 models
    AnalyticsConversation → AnalyticsParticipant → AnalyticsSession → segments / metrics; see
    the complete job-result page in tests/fixtures/genesys_conversation_job_page.example.json). Used with json_parse_typed() to parse each record once.
    Timestamps stay text here and are converted with iso_to_utc() in staging, so a malformed timestamp
    becomes null instead of failing the whole parse. Keys not listed are ignored (they stay in the raw payload).
-#}
{% macro genesys_conversation_type() -%}
    {%- set metric = {"name": "VARCHAR", "value": "DOUBLE", "emitDate": "VARCHAR"} -%}
    {%- set segment = {
        "segmentType": "VARCHAR", "segmentStart": "VARCHAR", "segmentEnd": "VARCHAR", "queueId": "VARCHAR",
        "disconnectType": "VARCHAR", "wrapUpCode": "VARCHAR", "wrapUpNote": "VARCHAR", "conference": "BOOLEAN",
        "errorCode": "VARCHAR", "groupId": "VARCHAR", "subject": "VARCHAR",
        "sourceConversationId": "VARCHAR", "destinationConversationId": "VARCHAR",
        "requestedRoutingSkillIds": ["VARCHAR"]
    } -%}
    {%- set flow = {
        "flowId": "VARCHAR", "flowName": "VARCHAR", "flowType": "VARCHAR", "flowVersion": "VARCHAR",
        "entryType": "VARCHAR", "entryReason": "VARCHAR", "exitReason": "VARCHAR", "transferType": "VARCHAR",
        "transferTargetAddress": "VARCHAR", "transferTargetName": "VARCHAR", "issuedCallback": "BOOLEAN"
    } -%}
    {%- set session = {
        "sessionId": "VARCHAR", "mediaType": "VARCHAR", "direction": "VARCHAR", "ani": "VARCHAR", "dnis": "VARCHAR",
        "sessionDnis": "VARCHAR", "peerId": "VARCHAR", "provider": "VARCHAR", "edgeId": "VARCHAR",
        "remote": "VARCHAR", "recording": "BOOLEAN", "requestedRoutings": ["VARCHAR"], "usedRouting": "VARCHAR",
        "selectedAgentId": "VARCHAR", "flowInType": "VARCHAR", "flowOutType": "VARCHAR",
        "outboundCampaignId": "VARCHAR", "outboundContactId": "VARCHAR", "outboundContactListId": "VARCHAR",
        "dispositionAnalyzer": "VARCHAR", "dispositionName": "VARCHAR", "callbackNumbers": ["VARCHAR"],
        "callbackScheduledTime": "VARCHAR", "scriptId": "VARCHAR", "messageType": "VARCHAR",
        "addressFrom": "VARCHAR", "addressTo": "VARCHAR",
        "flow": flow, "metrics": [metric], "segments": [segment]
    } -%}
    {%- set participant = {
        "participantId": "VARCHAR", "participantName": "VARCHAR", "purpose": "VARCHAR", "userId": "VARCHAR",
        "teamId": "VARCHAR", "externalContactId": "VARCHAR", "externalOrganizationId": "VARCHAR",
        "flaggedReason": "VARCHAR", "attributes": "MAP(VARCHAR, VARCHAR)", "sessions": [session]
    } -%}
    {%- set conversation = {
        "conversationId": "VARCHAR", "conversationStart": "VARCHAR", "conversationEnd": "VARCHAR",
        "originatingDirection": "VARCHAR", "divisionIds": ["VARCHAR"], "externalTag": "VARCHAR",
        "mediaStatsMinConversationMos": "DOUBLE", "mediaStatsMinConversationRFactor": "DOUBLE",
        "conversationInitiator": "VARCHAR", "customerParticipation": "BOOLEAN", "selfServed": "BOOLEAN",
        "participants": [participant]
    } -%}
    {{ return(conversation) }}
{%- endmacro %}
