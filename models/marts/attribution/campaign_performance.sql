with

credits as (

    select * from {{ ref('fct_attribution_credit') }}

),

touches as (

    select * from {{ ref('int_attribution__touches') }}

),

campaigns as (

    select * from {{ ref('stg_marketing__campaigns') }}

),

attribution_models as (
    {{ attribution_models_rows() }}

),

sequence_touches as (

    select
        campaign_id,
        touch_sequence,
        count(*) as touches
    from touches
    where campaign_id is not null
    group by campaign_id, touch_sequence

),

campaign_touches as (

    select
        campaign_id,
        sum(touches) as campaign_touches
    from sequence_touches
    group by campaign_id

),

-- every campaign with touches by sequence, registry campaigns without touches once, the unattributed bucket
spine as (

    select
        sequence_touches.campaign_id,
        sequence_touches.touch_sequence,
        sequence_touches.touches,
        campaign_touches.campaign_touches,
        true as is_attributed
    from sequence_touches
    inner join campaign_touches
        on sequence_touches.campaign_id = campaign_touches.campaign_id

    union all

    select
        campaigns.campaign_id,
        cast(null as integer) as touch_sequence,
        cast(0 as bigint) as touches,
        cast(0 as bigint) as campaign_touches,
        true as is_attributed
    from campaigns
    where
        not exists (
            select 1
            from campaign_touches
            where campaign_touches.campaign_id = campaigns.campaign_id
        )

    union all

    select
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        cast(null as integer) as touch_sequence,
        cast(0 as bigint) as touches,
        cast(0 as bigint) as campaign_touches,
        false as is_attributed

),

credited as (

    select
        campaign_id,
        touch_sequence,
        attribution_model,
        is_attributed,
        sum(credit) as conversions_credited,
        sum(credited_revenue) as revenue_credited
    from credits
    where is_counted
    group by campaign_id, touch_sequence, attribution_model, is_attributed

),

combined as (

    select
        attribution_models.attribution_model,
        spine.campaign_id,
        campaigns.campaign_name,
        campaigns.channel_type as campaign_channel_type,
        spine.touch_sequence,
        spine.is_attributed,
        spine.touches,
        coalesce(credited.conversions_credited, 0) as conversions_credited,
        coalesce(credited.revenue_credited, 0) as revenue_credited,
        cast(campaigns.budget as double) as campaign_budget,
        case
            when not spine.is_attributed then null
            when spine.campaign_touches = 0 then cast(campaigns.budget as double)
            else cast(campaigns.budget as double) * spine.touches / spine.campaign_touches
        end as spend
    from spine
    cross join attribution_models
    left join campaigns
        on spine.campaign_id = campaigns.campaign_id
    left join credited
        on
            spine.is_attributed = credited.is_attributed
            and spine.campaign_id is not distinct from credited.campaign_id
            and spine.touch_sequence is not distinct from credited.touch_sequence
            and attribution_models.attribution_model = credited.attribution_model

),

final as (

    select
        {{ surrogate_key(['attribution_model', 'campaign_id', 'touch_sequence']) }} as performance_key,
        attribution_model,
        campaign_id,
        campaign_name,
        campaign_channel_type,
        touch_sequence,
        is_attributed,
        touches,
        cast(conversions_credited as double) as conversions_credited,
        cast(revenue_credited as double) as revenue_credited,
        campaign_budget,
        spend,
        case when spend > 0 then (revenue_credited - spend) / spend end as roi,
        case when spend > 0 then revenue_credited / spend end as roas,
        case when conversions_credited > 0 then spend / conversions_credited end as cost_per_conversion
    from combined

)

select * from final
