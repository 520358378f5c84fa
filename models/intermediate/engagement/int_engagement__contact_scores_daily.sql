{{ config(
    materialized='incremental',
    unique_key=['contact_key', 'snapshot_at'],
    post_hook="{{ delete_rows(this, engagement_stale_rows(ref('int_engagement__propensity_features_daily'))) }}",
) }}
{#- Incremental (issue 16): scores the feature rows computed since the last run; the increase window compares
    them with the stored scores of the contact's earlier snapshots. -#}
{%- set incremental = incremental_ready('features_computed_at') %}
{%- set oldest_snapshot = engagement_snapshot_times() | last %}
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
    {%- if incremental %}
        -- computed since, or so close to the window's oldest snapshot that their increase window lost a snapshot
        where
            computed_at > {{ incremental_watermark('features_computed_at') }}
            or {{ dateadd('hour', -var('eligibility_increase_window_hours'), 'snapshot_at') }} < {{ oldest_snapshot }}
    {%- endif %}

),

weights as (

    select * from {{ ref('engagement_propensity_weights') }}

),

-- the seed's weights as one row (a feature missing from the seed weighs 0)
weights_row as (

    select
        {%- for name in model_features %}
            coalesce(max(case when feature = '{{ name }}' then weight end), 0) as w_{{ name }},
        {%- endfor %}
        coalesce(max(case when feature = 'intercept' then weight end), 0) as w_intercept
    from weights

),

-- weight × value per feature, side by side (one row per contact and day: no unpivot, no sort)
contributions as (

    select
        features.contact_key,
        features.snapshot_at,
        {%- for name in model_features %}
            features.{{ name }} * weights_row.w_{{ name }} as c_{{ name }},
        {%- endfor %}
        weights_row.w_intercept
    from features
    cross join weights_row

),

-- logit = intercept + Σ contributions (a null feature contributes nothing, as sum() would skip it); the top
-- feature is the largest contribution, ties to the first name in alphabetical order
{%- set ordered = model_features | sort %}
logits as (

    select
        contact_key,
        snapshot_at,
        w_intercept + (
            {%- for name in model_features %}
                coalesce(c_{{ name }}, 0){{ ' +' if not loop.last }}
            {%- endfor %}
        ) as logit,
        case
            {%- for name in ordered %}
                when c_{{ name }} = greatest(
                    {%- for other in ordered %}
                        coalesce(c_{{ other }}, c_{{ name }}){{ ',' if not loop.last }}
                    {%- endfor %}
                ) then '{{ name }}'
            {%- endfor %}
        end as top_feature
    from contributions

),

scored as (

    select
        features.contact_key,
        features.snapshot_at,
        features.snapshot_date,
        features.computed_at as features_computed_at,
        logits.logit,
        -- rounded to 6 decimals so a tier boundary (0.75) is not missed by float noise
        round({{ engagement_logistic('logits.logit') }}, 6) as propensity_score,
        logits.top_feature
    from features
    inner join logits
        on features.contact_key = logits.contact_key and features.snapshot_at = logits.snapshot_at

),

-- the scores of every snapshot: this run's, and on an incremental run the stored ones it does not replace
all_scores as (

    select
        contact_key,
        snapshot_at,
        propensity_score
    from scored
    {%- if incremental %}

        union all

        select
            stored.contact_key,
            stored.snapshot_at,
            stored.propensity_score
        from {{ this }} as stored
        left join scored
            on stored.contact_key = scored.contact_key and stored.snapshot_at = scored.snapshot_at
        where
            scored.contact_key is null
            -- a snapshot of this run's window (not one the post-hook is about to delete)
            and stored.snapshot_at in ({{ engagement_snapshot_times() | join(', ') }})
    {%- endif %}

),

-- seed 003 §3: the rise over the increase window = score now − the lowest score in the window before it
window_low as (

    select
        scored.contact_key,
        scored.snapshot_at,
        min(earlier.propensity_score) as lowest_earlier_score
    from scored
    inner join all_scores as earlier
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
        scored.logit,
        scored.propensity_score,
        {{ engagement_tier('scored.propensity_score') }} as propensity_tier,
        scored.top_feature,
        round(scored.propensity_score - window_low.lowest_earlier_score, 6) as score_increase_in_window,
        scored.features_computed_at
    from scored
    left join window_low
        on scored.contact_key = window_low.contact_key and scored.snapshot_at = window_low.snapshot_at

)

select * from final
