with events as (
    select * from {{ ref('int_engagement__events_validated') }}
),

entities as (
    select
        request_id,
        contact_id,
        event_type,
        event_timestamp,
        {{ md5_hex("'cx-analytics:journey-event:' || request_id") }} as id_digest,
        attributes
    from events
),

payloads as (
    select
        request_id,
        {{ uuid_from_hex('id_digest') }} as entity_id,
        event_type,
        cast({{ json_build_object([
            ('id', uuid_from_hex('id_digest')),
            ('dateCreated', iso_utc_text('event_timestamp')),
            ('identifiers', json_build_object([
                ('externalIds', json_build_array([json_build_object([
                    ('value', 'contact_id'),
                    ('externalSourceId', "'" ~ var('export_external_source_id') ~ "'"),
                ])])),
            ])),
            ('attributes', json_merge(json_build_object([('event_type', 'event_type')]), 'attributes')),
        ]) }} as {{ dbt.type_string() }}) as payload
    from entities
),

final as (
    select
        request_id as export_key,
        entity_id,
        event_type,
        'POST' as request_method,
        '/api/v2/journey/externalevents/configurations/{{ var("export_journey_configuration_id") }}/events'
            as request_path,
        payload,
        {{ md5_hex("'POST /api/v2/journey/externalevents/configurations/" ~ var('export_journey_configuration_id')
                   ~ "/events ' || payload") }} as payload_hash
    from payloads
)

select * from final
