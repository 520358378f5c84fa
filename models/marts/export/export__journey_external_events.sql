{{ config(
    materialized='incremental',
    unique_key='export_key',
    on_schema_change='append_new_columns',
    post_hook="{% if is_incremental() %}{{ delete_rows(this, 'export_key not in (select request_id from '
               ~ ref('int_engagement__events_validated') ~ ')') }}{% endif %}"
) }}
{#-
    Incremental (issue 16): an entity is a function of its validated event alone, whose columns change only
    with a new delivery. A run builds the entities of the events delivered since the last run (watermark: the
    largest event_loaded_at) and of the valid events not stored yet (an event ahead of the reference time
    becomes valid on a later night without a new delivery); the post-hook deletes the entities whose event is
    no longer valid. A table from before the watermark column is built whole (every key replaced) and gains it
    (contracts allow append_new_columns, not sync_all_columns).
-#}
{%- set incremental = incremental_ready('event_loaded_at') %}
with events as (
    select * from {{ ref('int_engagement__events_validated') }}
),
{%- if incremental %}

    changed_events as (
        select request_id from events
        where last_loaded_at > {{ incremental_watermark('event_loaded_at') }}

        union

        select events.request_id
        from events
        left join {{ this }} as stored
            on events.request_id = stored.export_key
        where stored.export_key is null
    ),
{%- endif %}

entities as (
    select
        request_id,
        contact_id,
        event_type,
        event_timestamp,
        {{ md5_hex("'cx-analytics:journey-event:' || request_id") }} as id_digest,
        attributes,
        last_loaded_at
    from events
    {%- if incremental %}
        where request_id in (select changed_events.request_id from changed_events)
    {%- endif %}
),

payloads as (
    select
        request_id,
        {{ uuid_from_hex('id_digest') }} as entity_id,
        event_type,
        last_loaded_at,
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
                   ~ "/events ' || payload") }} as payload_hash,
        -- when the event's newest delivery was landed: the largest is the incremental watermark
        last_loaded_at as event_loaded_at
    from payloads
)

select * from final
