{{ config(
    materialized='incremental',
    unique_key=['contact_key', 'snapshot_at'],
    post_hook="{{ delete_rows(this, engagement_stale_rows(ref('int_engagement__contacts'))) }}",
) }}
{#- Longer than 200 lines: which (contact, snapshot) rows to compute — from the contacts' input digests and the
    stored snapshots — and their rolling windows are one step; split, the digests would be read and joined twice.
    Incremental (issue 16): a contact's snapshots are computed again only when its inputs changed (its digest); a
    new night computes the new snapshot of every contact; the post-hook drops the snapshots that left the window
    and the contacts that no longer exist. -#}
{%- set incremental = incremental_ready('inputs_digest') %}

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

snapshots as (
    {%- for snapshot_at in engagement_snapshot_times() %}

        select {{ snapshot_at }} as snapshot_at
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}

),

-- every input of a contact's features, as one digest: equal digests, equal snapshots
event_digests as (

    select
        contact_key,
        {{ hash_digest_agg(['event_key', 'event_type', 'event_timestamp', 'first_received_at', 'transaction_value']) }}
            as digest
    from events
    group by contact_key

),

interaction_digests as (

    select
        contact_key,
        {{ hash_digest_agg([
            'conversation_id', 'conversation_started_at', 'is_customer_initiated', 'is_outbound_attempt',
            'is_answered',
        ]) }} as digest
    from interactions
    group by contact_key

),

contact_inputs as (

    select
        contacts.contact_key,
        contacts.has_crm_record,
        coalesce(event_digests.digest, '-') || ':' || coalesce(interaction_digests.digest, '-') || ':'
        || case when contacts.has_crm_record then 'crm' else '-' end as inputs_digest
    from contacts
    left join event_digests
        on contacts.contact_key = event_digests.contact_key
    left join interaction_digests
        on contacts.contact_key = interaction_digests.contact_key

),

{%- if incremental %}

    stored_contacts as (

        select distinct
            contact_key,
            inputs_digest
        from {{ this }}

    ),

    stored_snapshots as (

        select distinct snapshot_at from {{ this }}

    ),
{%- endif %}

-- the (contact, snapshot) rows to compute: all of them on a full build; else every snapshot of a contact whose
-- inputs changed, and every contact's snapshots that are not stored yet (the new night's)
grid as (

    select
        contact_inputs.contact_key,
        contact_inputs.has_crm_record,
        contact_inputs.inputs_digest,
        snapshots.snapshot_at
    from contact_inputs
    cross join snapshots
    {%- if incremental %}
        left join stored_contacts
            on
                contact_inputs.contact_key = stored_contacts.contact_key
                and contact_inputs.inputs_digest = stored_contacts.inputs_digest
        where
            stored_contacts.contact_key is null
            or snapshots.snapshot_at not in (select stored_snapshots.snapshot_at from stored_snapshots)
    {%- endif %}

),

event_ages as (

    select
        grid.contact_key,
        grid.snapshot_at,
        events.event_type,
        events.event_timestamp,
        coalesce(events.transaction_value, 0) as transaction_value,
        {{ seconds_between('events.event_timestamp', 'grid.snapshot_at') }} / 86400.0 as age_days
    from events
    inner join grid
        on
            events.contact_key = grid.contact_key
            and events.event_timestamp <= grid.snapshot_at
            and events.first_received_at <= grid.snapshot_at
            and events.event_timestamp > {{ dateadd('day', -90, 'grid.snapshot_at') }}

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
        grid.contact_key,
        grid.snapshot_at,
        count(case when interactions.is_customer_initiated then 1 end) as inbound_conversations_90d,
        count(case when interactions.is_outbound_attempt then 1 end) as outbound_attempts_90d,
        count(case when interactions.is_answered then 1 end) as outbound_answered_90d
    from interactions
    inner join grid
        on
            interactions.contact_key = grid.contact_key
            and interactions.conversation_started_at <= grid.snapshot_at
            and interactions.conversation_started_at > {{ dateadd('day', -90, 'grid.snapshot_at') }}
    group by grid.contact_key, grid.snapshot_at

),

final as (

    select
        grid.contact_key,
        grid.snapshot_at,
        -- the UTC day whose activity the snapshot closes: a midnight snapshot shows the day that just ended
        cast({{ dateadd('second', -1, 'grid.snapshot_at') }} as date) as snapshot_date,
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
        coalesce(interaction_features.outbound_answered_90d, 0) as outbound_answered_90d,
        grid.inputs_digest,
        {{ run_started_timestamp() }} as computed_at
    from grid
    left join event_features
        on grid.contact_key = event_features.contact_key and grid.snapshot_at = event_features.snapshot_at
    left join interaction_features
        on grid.contact_key = interaction_features.contact_key and grid.snapshot_at = interaction_features.snapshot_at

)

select * from final
