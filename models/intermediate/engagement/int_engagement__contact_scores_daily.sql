{#- the feature columns of int_engagement__propensity_features_daily, where they are computed -#}
{%- set model_features = [
    'log_transactions_30d',
    'log_transactions_90d',
    'log_transaction_value_90d',
    'avg_log_transaction_value_90d',
    'log_behaviors_7d',
    'log_behaviors_30d',
    'log_behaviors_90d',
    'log_events_90d',
    'recency_decay_7d',
    'log_inbound_conversations_90d',
    'log_outbound_attempts_90d',
    'outbound_answer_rate_90d',
    'has_crm_record',
] -%}

with

features as (

    select * from {{ ref('int_engagement__propensity_features_daily') }}

),

weights as (

    select * from {{ ref('engagement_propensity_weights') }}

),

feature_names as (

    {{ engagement_integers('feature_position', 0, model_features | length) }}

),

feature_values as (

    select
        features.contact_key,
        features.snapshot_at,
        case feature_names.feature_position
            {%- for name in model_features %}
                when {{ loop.index0 }} then '{{ name }}'
            {%- endfor %}
        end as feature,
        case feature_names.feature_position
            {%- for name in model_features %}
                when {{ loop.index0 }} then features.{{ name }}
            {%- endfor %}
        end as feature_value
    from features
    cross join feature_names

),

contributions as (

    select
        feature_values.contact_key,
        feature_values.snapshot_at,
        feature_values.feature,
        feature_values.feature_value * coalesce(weights.weight, 0) as contribution
    from feature_values
    left join weights
        on feature_values.feature = weights.feature

),

ranked_contributions as (

    select
        contact_key,
        snapshot_at,
        feature,
        contribution,
        row_number() over (
            partition by contact_key, snapshot_at order by contribution desc, feature asc
        ) as contribution_rank
    from contributions

),

intercept as (

    select coalesce(max(weight), 0) as weight
    from weights
    where feature = 'intercept'

),

logits as (

    select
        ranked_contributions.contact_key,
        ranked_contributions.snapshot_at,
        max(intercept.weight) + sum(ranked_contributions.contribution) as logit,
        max(case when ranked_contributions.contribution_rank = 1 then ranked_contributions.feature end)
            as top_feature
    from ranked_contributions
    cross join intercept
    group by ranked_contributions.contact_key, ranked_contributions.snapshot_at

),

scored as (

    select
        features.contact_key,
        features.snapshot_at,
        features.snapshot_date,
        features.days_back,
        logits.logit,
        -- rounded to 6 decimals so a tier boundary (0.75) is not missed by float noise
        round({{ engagement_logistic('logits.logit') }}, 6) as propensity_score,
        logits.top_feature
    from features
    inner join logits
        on features.contact_key = logits.contact_key and features.snapshot_at = logits.snapshot_at

),

-- seed 003 §3: the rise over the increase window = score now − the lowest score in the window before it
window_low as (

    select
        scored.contact_key,
        scored.snapshot_at,
        min(earlier.propensity_score) as lowest_earlier_score
    from scored
    inner join scored as earlier
        on
            scored.contact_key = earlier.contact_key
            and scored.snapshot_at > earlier.snapshot_at
            and {{ dateadd('hour', -var('eligibility_increase_window_hours'), 'scored.snapshot_at') }}
            <= earlier.snapshot_at
    group by scored.contact_key, scored.snapshot_at

),

final as (

    select
        scored.contact_key,
        scored.snapshot_at,
        scored.snapshot_date,
        scored.days_back,
        scored.logit,
        scored.propensity_score,
        {{ engagement_tier('scored.propensity_score') }} as propensity_tier,
        scored.top_feature,
        round(scored.propensity_score - window_low.lowest_earlier_score, 6) as score_increase_in_window
    from scored
    left join window_low
        on scored.contact_key = window_low.contact_key and scored.snapshot_at = window_low.snapshot_at

)

select * from final
