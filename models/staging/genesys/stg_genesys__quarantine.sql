with conversations as (
    select * from {{ ref('stg_genesys__conversations') }}
    where quality_issue is not null
),

participants as (
    select * from {{ ref('stg_genesys__participants') }}
    where quality_issue is not null
),

metrics as (
    select * from {{ ref('stg_genesys__session_metrics') }}
    where quality_issue is not null
),

events as (
    select * from {{ ref('stg_genesys__interaction_events') }}
    where quality_issue is not null
),

flagged as (
    select
        'stg_genesys__conversations' as staging_model,
        conversation_id as record_key,
        conversation_id,
        quality_issue
    from conversations
    union all
    select
        'stg_genesys__participants' as staging_model,
        participant_key as record_key,
        conversation_id,
        quality_issue
    from participants
    union all
    select
        'stg_genesys__session_metrics' as staging_model,
        metric_key as record_key,
        conversation_id,
        quality_issue
    from metrics
    union all
    select
        'stg_genesys__interaction_events' as staging_model,
        interaction_event_key as record_key,
        conversation_id,
        quality_issue
    from events
),

final as (
    select
        {{ surrogate_key(['staging_model', 'record_key']) }} as quarantine_key,
        staging_model,
        record_key,
        conversation_id,
        quality_issue
    from flagged
)

select * from final
