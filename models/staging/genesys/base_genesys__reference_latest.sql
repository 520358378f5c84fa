-- One row per reference entity (entity type × key) ever landed: its latest live version's JSON, and whether
-- the latest record for the key is a deletion tombstone (cx extract reference, docs/sources.md). "Latest" is
-- landing order (_loaded_at, then file and line), the same order the extractor diffs against.
with records as (
    select
        entity_type,
        entity_key,
        payload,
        _loaded_at,
        _source_file,
        _source_line
    from {{ source('genesys', 'genesys_reference') }}
    where entity_type is not null
),

ranked as (
    select
        entity_type,
        entity_key,
        payload,
        _loaded_at,
        coalesce({{ json_get_text('payload', '$.deleted') }} = 'true', false) as is_tombstone,
        row_number() over (
            partition by entity_type, entity_key
            order by _loaded_at desc, _source_file desc, _source_line desc
        ) as recency
    from records
),

live_versions as (
    select
        entity_type,
        entity_key,
        {{ json_get('payload', '$.entity') }} as entity,
        _loaded_at,
        row_number() over (
            partition by entity_type, entity_key
            order by _loaded_at desc
        ) as live_recency
    from ranked
    where not is_tombstone
),

first_seen as (
    select
        entity_type,
        entity_key,
        min(_loaded_at) as first_landed_at
    from records
    group by entity_type, entity_key
),

latest as (
    select
        entity_type,
        entity_key,
        is_tombstone,
        _loaded_at as last_changed_at,
        case
            when is_tombstone then {{ iso_to_utc(json_get_text('payload', '$.detectedAt')) }}
        end as deleted_detected_at
    from ranked
    where recency = 1
),

final as (
    select
        {{ surrogate_key(['latest.entity_type', 'latest.entity_key']) }} as reference_entity_key,
        latest.entity_type,
        latest.entity_key,
        live_versions.entity,
        latest.is_tombstone as is_deleted,
        latest.deleted_detected_at,
        first_seen.first_landed_at,
        latest.last_changed_at
    from latest
    inner join first_seen
        on latest.entity_type = first_seen.entity_type and latest.entity_key = first_seen.entity_key
    left join live_versions
        on
            latest.entity_type = live_versions.entity_type
            and latest.entity_key = live_versions.entity_key
            and live_versions.live_recency = 1
)

select * from final
