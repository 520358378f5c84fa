with

credits as (

    select * from {{ ref('fct_attribution_credit') }}

),

spend_daily as (

    select * from {{ ref('int_attribution__campaign_spend_daily') }}

),

campaigns as (

    select * from {{ ref('stg_marketing__campaigns') }}

),

attribution_models as (
    {{ attribution_models_rows() }}

),

credited as (

    select
        converted_on as performance_date,
        attribution_model,
        campaign_id,
        is_attributed,
        sum(credit) as conversions_credited,
        sum(credited_revenue) as revenue_credited
    from credits
    where
        is_counted
        and converted_on is not null
    group by converted_on, attribution_model, campaign_id, is_attributed

),

spend_by_model as (

    select
        spend_daily.spend_date as performance_date,
        attribution_models.attribution_model,
        spend_daily.campaign_id,
        true as is_attributed,
        spend_daily.spend
    from spend_daily
    cross join attribution_models

),

spine as (

    select
        performance_date,
        attribution_model,
        campaign_id,
        is_attributed
    from spend_by_model

    union

    select
        performance_date,
        attribution_model,
        campaign_id,
        is_attributed
    from credited

),

combined as (

    select
        spine.performance_date,
        spine.attribution_model,
        spine.campaign_id,
        campaigns.campaign_name,
        campaigns.channel_type as campaign_channel_type,
        spine.is_attributed,
        coalesce(credited.conversions_credited, 0) as conversions_credited,
        coalesce(credited.revenue_credited, 0) as revenue_credited,
        case when spine.is_attributed then coalesce(spend_by_model.spend, 0) end as spend
    from spine
    left join campaigns
        on spine.campaign_id = campaigns.campaign_id
    left join credited
        on
            spine.performance_date = credited.performance_date
            and spine.attribution_model = credited.attribution_model
            and spine.is_attributed = credited.is_attributed
            and spine.campaign_id is not distinct from credited.campaign_id
    left join spend_by_model
        on
            spine.performance_date = spend_by_model.performance_date
            and spine.attribution_model = spend_by_model.attribution_model
            and spine.campaign_id = spend_by_model.campaign_id

),

final as (

    select
        {{ surrogate_key(['performance_date', 'attribution_model', 'campaign_id']) }} as performance_daily_key,
        performance_date,
        attribution_model,
        campaign_id,
        campaign_name,
        campaign_channel_type,
        is_attributed,
        cast(conversions_credited as double) as conversions_credited,
        cast(revenue_credited as double) as revenue_credited,
        cast(spend as double) as spend,
        case when spend > 0 then revenue_credited / spend end as roas,
        case when conversions_credited > 0 then spend / conversions_credited end as cost_per_conversion
    from combined

)

select * from final
