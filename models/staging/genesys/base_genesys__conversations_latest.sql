{{ config(materialized='table') }}

-- One row per conversation: its latest version, parsed once into a typed structure that the
-- stg_genesys__* models unnest. Latest = complete beats live (a live record has no conversationEnd),
-- then the later conversationEnd, then the later landing (DESIGN.md, "conversationEnd is absent while live").

with versions as (
    select
        conversation_id,
        conversation_end,
        payload,
        _loaded_at,
        _source_file,
        _source_line,
        _record_hash
    from {{ source('genesys', 'genesys_conversations') }}
),

ranked as (
    select
        conversation_id,
        payload,
        _loaded_at,
        _record_hash,
        count(*) over (partition by conversation_id) as version_count,
        row_number() over (
            partition by conversation_id
            order by
                conversation_end is not null desc,
                {{ iso_to_utc('conversation_end') }} desc nulls last,
                _loaded_at desc,
                _source_file desc,
                _source_line desc
        ) as version_rank
    from versions
),

final as (
    select
        conversation_id,
        version_count,
        _loaded_at,
        _record_hash,
        {{ json_parse_typed('payload', genesys_conversation_type()) }} as conversation
    from ranked
    where version_rank = 1
)

select * from final
