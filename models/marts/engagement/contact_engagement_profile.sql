with

contacts as (

    select * from {{ ref('int_engagement__contacts') }}

),

features as (

    select * from {{ ref('int_engagement__contact_features_daily') }}

),

scores as (

    select * from {{ ref('int_engagement__contact_scores_daily') }}

),

channels as (

    select * from {{ ref('int_engagement__channel_response_rates') }}

),

windows as (

    select * from {{ ref('int_engagement__contact_windows') }}

),

final as (

    select
        contacts.contact_key,
        contacts.customer_key,
        contacts.crm_contact_id,
        features.snapshot_at as profile_as_of,
        features.transactions_7d,
        features.transactions_30d,
        features.transactions_90d,
        features.transaction_value_7d,
        features.transaction_value_30d,
        features.transaction_value_90d,
        features.behaviors_7d,
        features.behaviors_30d,
        features.behaviors_90d,
        features.inbound_conversations_90d,
        features.outbound_attempts_90d,
        features.outbound_answered_90d,
        features.last_event_at,
        features.last_transaction_at,
        features.days_since_last_event,
        scores.propensity_score,
        scores.propensity_tier,
        scores.score_increase_in_window as score_increase_24h,
        scores.top_feature,
        channels.channel as preferred_channel,
        channels.response_rate as preferred_channel_response_rate,
        windows.timezone,
        contacts.timezone_source,
        windows.window_start_hour,
        windows.window_end_hour,
        windows.window_source,
        windows.window_answer_rate
    from contacts
    inner join features
        on contacts.contact_key = features.contact_key and features.snapshot_at = {{ reference_time() }}
    inner join scores
        on contacts.contact_key = scores.contact_key and scores.snapshot_at = {{ reference_time() }}
    left join channels
        on contacts.contact_key = channels.contact_key and channels.channel_rank = 1
    left join windows
        on contacts.contact_key = windows.contact_key

)

select * from final
