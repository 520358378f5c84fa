with

scores as (

    select * from {{ ref('int_engagement__contact_scores_daily') }}

),

final as (

    select
        contact_key,
        snapshot_date,
        snapshot_at,
        propensity_score,
        propensity_tier,
        score_increase_in_window,
        top_feature
    from scores

)

select * from final
