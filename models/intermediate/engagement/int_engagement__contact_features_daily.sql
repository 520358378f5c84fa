with

contacts as (

    select * from {{ ref('int_engagement__contacts') }}

),

events as (

    select * from {{ ref('int_engagement__events_validated') }}

),

interactions as (

    select * from {{ ref('int_engagement__genesys_interactions') }}

),

days_back as (

    {{ engagement_integers('days_back', 0, var('engagement_score_history_days')) }}

),

snapshots as (

    select
        days_back,
        {{ dateadd('day', '-days_back', reference_time()) }} as snapshot_at
    from days_back

),

event_ages as (

    select
        events.contact_key,
        snapshots.snapshot_at,
        events.event_type,
        events.event_timestamp,
        coalesce(events.transaction_value, 0) as transaction_value,
        {{ seconds_between('events.event_timestamp', 'snapshots.snapshot_at') }} / 86400.0 as age_days
    from events
    inner join snapshots
        on
            events.event_timestamp <= snapshots.snapshot_at
            and events.first_received_at <= snapshots.snapshot_at
            and events.event_timestamp > {{ dateadd('day', -90, 'snapshots.snapshot_at') }}

),

event_features as (

    select
        contact_key,
        snapshot_at,
        count(case when event_type = 'crm.transaction' and age_days <= 7 then 1 end) as transactions_7d,
        count(case when event_type = 'crm.transaction' and age_days <= 30 then 1 end) as transactions_30d,
        count(case when event_type = 'crm.transaction' then 1 end) as transactions_90d,
        sum(case when event_type = 'crm.transaction' and age_days <= 7 then transaction_value else 0 end)
            as transaction_value_7d,
        sum(case when event_type = 'crm.transaction' and age_days <= 30 then transaction_value else 0 end)
            as transaction_value_30d,
        sum(case when event_type = 'crm.transaction' then transaction_value else 0 end) as transaction_value_90d,
        -- typical basket size regardless of how often: mean ln(1 + value) of the 90-day transactions
        avg(case when event_type = 'crm.transaction' then ln(1 + transaction_value) end)
            as avg_log_transaction_value_90d,
        count(case when event_type = 'crm.behavior' and age_days <= 7 then 1 end) as behaviors_7d,
        count(case when event_type = 'crm.behavior' and age_days <= 30 then 1 end) as behaviors_30d,
        count(case when event_type = 'crm.behavior' then 1 end) as behaviors_90d,
        count(*) as events_90d,
        max(event_timestamp) as last_event_at,
        max(case when event_type = 'crm.transaction' then event_timestamp end) as last_transaction_at,
        min(age_days) as days_since_last_event
    from event_ages
    group by contact_key, snapshot_at

),

interaction_features as (

    select
        interactions.contact_key,
        snapshots.snapshot_at,
        count(case when interactions.is_customer_initiated then 1 end) as inbound_conversations_90d,
        count(case when interactions.is_outbound_attempt then 1 end) as outbound_attempts_90d,
        count(case when interactions.is_answered then 1 end) as outbound_answered_90d
    from interactions
    inner join snapshots
        on
            interactions.conversation_started_at <= snapshots.snapshot_at
            and interactions.conversation_started_at > {{ dateadd('day', -90, 'snapshots.snapshot_at') }}
    group by interactions.contact_key, snapshots.snapshot_at

),

grid as (

    select
        contacts.contact_key,
        contacts.has_crm_record,
        snapshots.snapshot_at,
        snapshots.days_back
    from contacts
    cross join snapshots

),

final as (

    select
        grid.contact_key,
        grid.snapshot_at,
        cast(grid.snapshot_at as date) as snapshot_date,
        grid.days_back,
        grid.has_crm_record,
        coalesce(event_features.transactions_7d, 0) as transactions_7d,
        coalesce(event_features.transactions_30d, 0) as transactions_30d,
        coalesce(event_features.transactions_90d, 0) as transactions_90d,
        coalesce(event_features.transaction_value_7d, 0) as transaction_value_7d,
        coalesce(event_features.transaction_value_30d, 0) as transaction_value_30d,
        coalesce(event_features.transaction_value_90d, 0) as transaction_value_90d,
        coalesce(event_features.avg_log_transaction_value_90d, 0) as avg_log_transaction_value_90d,
        coalesce(event_features.behaviors_7d, 0) as behaviors_7d,
        coalesce(event_features.behaviors_30d, 0) as behaviors_30d,
        coalesce(event_features.behaviors_90d, 0) as behaviors_90d,
        coalesce(event_features.events_90d, 0) as events_90d,
        event_features.last_event_at,
        event_features.last_transaction_at,
        event_features.days_since_last_event,
        coalesce(interaction_features.inbound_conversations_90d, 0) as inbound_conversations_90d,
        coalesce(interaction_features.outbound_attempts_90d, 0) as outbound_attempts_90d,
        coalesce(interaction_features.outbound_answered_90d, 0) as outbound_answered_90d
    from grid
    left join event_features
        on grid.contact_key = event_features.contact_key and grid.snapshot_at = event_features.snapshot_at
    left join interaction_features
        on grid.contact_key = interaction_features.contact_key and grid.snapshot_at = interaction_features.snapshot_at

)

select * from final
