{%- set lookback_days = var('attribution_lookback_days') %}

with

conversions as (

    select * from {{ ref('int_attribution__conversions') }}

),

touches as (

    select * from {{ ref('int_attribution__touches') }}

),

channel_weights as (

    select * from {{ ref('channel_weights') }}

),

eligible_touches as (

    select
        touch_id,
        customer_key,
        campaign_id,
        campaign_name,
        channel,
        touch_sequence,
        touched_at,
        touched_on
    from touches
    where
        customer_key is not null
        {%- if not var('attribution_credit_unknown_campaign') %}
            and not is_campaign_unknown
        {%- endif %}

),

-- coarse join on the customer and a day range, then the exact rule at the conversion's grain
joined as (

    select
        conversions.conversion_id,
        conversions.conversion_grain,
        conversions.converted_on,
        conversions.converted_at,
        eligible_touches.touch_id,
        eligible_touches.campaign_id,
        eligible_touches.campaign_name,
        eligible_touches.channel,
        eligible_touches.touch_sequence,
        eligible_touches.touched_at,
        eligible_touches.touched_on,
        case
            when conversions.conversion_grain = 'day'
                then cast({{ days_between('eligible_touches.touched_on', 'conversions.converted_on') }} as double)
            else {{ seconds_between('eligible_touches.touched_at', 'conversions.converted_at') }} / 86400.0
        end as delta_days
    from conversions
    inner join eligible_touches
        on
            conversions.customer_key = eligible_touches.customer_key
            and conversions.converted_on >= eligible_touches.touched_on
            and eligible_touches.touched_on >= {{ dateadd('day', -(lookback_days + 1), 'conversions.converted_on') }}
    where conversions.conversion_grain in ('day', 'timestamp')

),

eligible as (

    select
        joined.*,
        coalesce(channel_weights.weight, {{ var('attribution_default_channel_weight') }}) as channel_weight
    from joined
    left join channel_weights
        on joined.channel = channel_weights.channel
    where
        case
            when joined.conversion_grain = 'day' then joined.touched_on < joined.converted_on
            else joined.touched_at < joined.converted_at
        end
        and joined.delta_days <= {{ lookback_days }}

),

final as (

    select
        {{ surrogate_key(['conversion_id', 'touch_id']) }} as path_touch_key,
        conversion_id,
        touch_id,
        campaign_id,
        campaign_name,
        channel,
        touch_sequence,
        touched_at,
        touched_on,
        conversion_grain,
        delta_days,
        row_number() over (
            partition by conversion_id
            order by touched_at, campaign_id, touch_id
        ) as touch_position,
        count(*) over (partition by conversion_id) as path_length,
        channel_weight
    from eligible

)

select * from final
