{%- set lookback_days = var('attribution_lookback_days') %}

with

conversion_paths as (

    select * from {{ ref('int_attribution__conversion_paths') }}

),

conversions as (

    select * from {{ ref('int_attribution__conversions') }}

),

touches as (

    select * from {{ ref('int_attribution__touches') }}

),

conversion_touches as (

    select
        conversion_paths.conversion_id as journey_id,
        conversions.customer_key,
        conversion_paths.conversion_id,
        conversions.is_counted as is_converting,
        case when conversions.is_counted then conversions.conversion_value else 0 end as conversion_value,
        conversion_paths.touch_id,
        conversion_paths.channel,
        conversion_paths.campaign_id,
        conversion_paths.touch_position
    from conversion_paths
    inner join conversions
        on conversion_paths.conversion_id = conversions.conversion_id

),

window_conversions as (

    select distinct customer_key
    from conversions
    where
        customer_key is not null
        and converted_on >= cast({{ dateadd('day', -lookback_days, reference_time()) }} as date)
        and converted_on <= cast({{ reference_time() }} as date)

),

-- customers who touched in the lookback before reference_time and did not convert in it
journey_touches as (

    select
        'journey:' || touches.customer_key as journey_id,
        touches.customer_key,
        cast(null as {{ dbt.type_string() }}) as conversion_id,
        false as is_converting,
        cast(0 as decimal(18, 2)) as conversion_value,
        touches.touch_id,
        touches.channel,
        touches.campaign_id,
        row_number() over (
            partition by touches.customer_key
            order by touches.touched_at, touches.campaign_id, touches.touch_id
        ) as touch_position
    from touches
    where
        touches.customer_key is not null
        {%- if not var('attribution_credit_unknown_campaign') %}
            and not touches.is_campaign_unknown
        {%- endif %}
        and touches.touched_at < {{ reference_time() }}
        and touches.touched_at >= {{ dateadd('day', -lookback_days, reference_time()) }}
        and not exists (
            select 1
            from window_conversions
            where window_conversions.customer_key = touches.customer_key
        )

),

all_touches as (

    select * from conversion_touches
    union all
    select * from journey_touches

),

filtered as (

    select
        all_touches.*,
        {{ attribution_path_step_column() }} as step_channel
    from all_touches
    where
        {{ attribution_path_step_column() }} is not null
        and {{ attribution_path_filter('channel', 'attribution_path_include_channels',
                                       'attribution_path_exclude_channels') }}
        and {{ attribution_path_filter('campaign_id', 'attribution_path_include_campaigns',
                                       'attribution_path_exclude_campaigns') }}

),

final as (

    select
        {{ surrogate_key(['journey_id']) }} as path_id,
        journey_id,
        customer_key,
        conversion_id,
        is_converting,
        conversion_value,
        touch_id,
        channel,
        campaign_id,
        step_channel,
        row_number() over (partition by journey_id order by touch_position) as touch_position
    from filtered

)

select * from final
