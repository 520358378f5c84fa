{#-
    The structure of a users details record (SDK AnalyticsUserDetail → AnalyticsUserPresenceRecord /
    AnalyticsRoutingStatusRecord), for json_parse_typed(). Timestamps stay text (iso_to_utc() in staging).
-#}
{% macro genesys_user_detail_type() -%}
    {{ return({
        "userId": "VARCHAR",
        "primaryPresence": [{
            "startTime": "VARCHAR", "endTime": "VARCHAR", "systemPresence": "VARCHAR",
            "organizationPresenceId": "VARCHAR"
        }],
        "routingStatus": [{"startTime": "VARCHAR", "endTime": "VARCHAR", "routingStatus": "VARCHAR"}]
    }) }}
{%- endmacro %}
