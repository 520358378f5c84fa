{{
    config(
        materialized='incremental',
        unique_key='conversation_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
    )
}}

with

conversations as (

    select * from {{ ref('int_attribution__conversations') }}

),

owners as (

    select * from {{ ref('int_attribution__interaction_owners') }}

),

queues as (

    select * from {{ ref('dim_queues') }}

),

wrapup_codes as (

    select * from {{ ref('dim_wrapup_codes') }}

),

final as (

    select
        conversations.conversation_id,
        conversations.conversation_started_at,
        cast(conversations.conversation_started_at as date) as conversation_date,
        conversations.conversation_ended_at,
        conversations.is_complete,
        conversations.originating_direction,
        conversations.media_type,
        conversations.message_type,
        cast(conversations.conversation_duration_seconds as double) as conversation_duration_seconds,
        conversations.first_queue_id,
        conversations.last_wrap_up_code,
        conversations.disposition_name,
        conversations.customer_key,
        conversations.customer_match_method,
        owners.conversation_id is not null as is_attributed,
        owners.owning_campaign_id,
        owners.owning_campaign_name,
        owners.owning_touch_id,
        owners.owning_channel,
        owners.owning_touch_sequence,
        owners.owning_touched_at,
        owners.attribution_window_hours,
        cast(owners.hours_since_touch as double) as hours_since_touch,
        owners.candidate_touches,
        cast({{ dbt.current_timestamp() }} as timestamp) as snapshot_taken_at,
        -- names last: a table built before they existed gets them appended (on_schema_change)
        queues.queue_name as first_queue_name,
        wrapup_codes.wrapup_code_name as last_wrap_up_name
    from conversations
    left join owners
        on conversations.conversation_id = owners.conversation_id
    left join queues
        on conversations.first_queue_id = queues.queue_id
    left join wrapup_codes
        on conversations.last_wrap_up_code = wrapup_codes.wrapup_code_id

)

select * from final
