{#- a view: arithmetic over the incremental features table, read by the incremental scores (only the rows
    computed since their last run) and by bench/fit_propensity.py -#}
{{ config(materialized='view') }}

with

features as (

    select * from {{ ref('int_engagement__contact_features_daily') }}

),

final as (

    select
        contact_key,
        snapshot_at,
        snapshot_date,
        {{ engagement_days_back('snapshot_at') }} as days_back,
        cast(ln(1 + transactions_30d) as double) as log_transactions_30d,
        cast(ln(1 + transactions_90d) as double) as log_transactions_90d,
        cast(ln(1 + transaction_value_90d) as double) as log_transaction_value_90d,
        cast(avg_log_transaction_value_90d as double) as avg_log_transaction_value_90d,
        cast(ln(1 + behaviors_7d) as double) as log_behaviors_7d,
        cast(ln(1 + behaviors_30d) as double) as log_behaviors_30d,
        cast(ln(1 + behaviors_90d) as double) as log_behaviors_90d,
        cast(ln(1 + events_90d) as double) as log_events_90d,
        cast(coalesce(exp(-days_since_last_event / 7.0), 0) as double) as recency_decay_7d,
        cast(ln(1 + inbound_conversations_90d) as double) as log_inbound_conversations_90d,
        cast(ln(1 + outbound_attempts_90d) as double) as log_outbound_attempts_90d,
        cast((outbound_answered_90d + 1.0) / (outbound_attempts_90d + 2.0) as double) as outbound_answer_rate_90d,
        cast(case when has_crm_record then 1 else 0 end as double) as has_crm_record,
        computed_at
    from features

)

select * from final
