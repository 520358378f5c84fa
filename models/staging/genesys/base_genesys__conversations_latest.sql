{{ config(materialized='incremental', unique_key='conversation_id') }}
{%- set incremental = incremental_ready('last_loaded_at') %}

-- One row per conversation: its latest version, parsed once into a typed structure that the
-- stg_genesys__* models unnest. Latest = complete beats live (a live record has no conversationEnd),
-- then the later conversationEnd, then the later landing (DESIGN.md, "conversationEnd is absent while live").
-- Incremental: only conversations with a version landed after the last run are ranked again, over all their
-- versions. A winner landed before that run was already the winner then (it beat a subset of today's
-- versions), so its parsed row is kept; only new winners are parsed.

with

{%- if incremental %}

    changed as (

        select distinct conversation_id
        from {{ source('genesys', 'genesys_conversations') }}
        where _loaded_at > {{ incremental_watermark('last_loaded_at') }}

    ),
{%- endif %}

versions as (

    select
        conversation_id,
        conversation_end,
        _loaded_at,
        _source_file,
        _source_line
    from {{ source('genesys', 'genesys_conversations') }}
    {{- only_changed('conversation_id', incremental) }}

),

ranked as (

    select
        conversation_id,
        _loaded_at,
        _source_file,
        _source_line,
        count(*) over (partition by conversation_id) as version_count,
        max(_loaded_at) over (partition by conversation_id) as last_loaded_at,
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

winners as (

    select * from ranked
    where version_rank = 1

),

parsed as (

    select
        winners.conversation_id,
        winners.version_count,
        winners._loaded_at,
        winners.last_loaded_at,
        conversations._record_hash,
        {{ json_parse_typed('conversations.payload', genesys_conversation_type()) }} as conversation
    from winners
    inner join {{ source('genesys', 'genesys_conversations') }} as conversations
        on
            winners.conversation_id = conversations.conversation_id
            and winners._loaded_at = conversations._loaded_at
            and winners._source_file = conversations._source_file
            and winners._source_line = conversations._source_line
    {%- if incremental %}
        where conversations._loaded_at > {{ incremental_watermark('last_loaded_at') }}

        union all

        select
            winners.conversation_id,
            winners.version_count,
            winners._loaded_at,
            winners.last_loaded_at,
            previous._record_hash,
            previous.conversation
        from winners
        inner join {{ this }} as previous
            on winners.conversation_id = previous.conversation_id
        where winners._loaded_at <= {{ incremental_watermark('last_loaded_at') }}
    {%- endif %}

),

final as (

    select
        conversation_id,
        version_count,
        _loaded_at,
        last_loaded_at,
        _record_hash,
        conversation
    from parsed

)

select * from final
