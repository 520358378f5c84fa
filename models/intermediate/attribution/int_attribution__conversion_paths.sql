{#-
    One row per (conversion, eligible touch) (grain: conversion_id × touch_id): the path multi-touch credit
    is shared along (seed 001). A touch is eligible when it belongs to the conversion's customer, has a
    campaign (unless var('attribution_credit_unknown_campaign')), and lies strictly before the conversion
    and within var('attribution_lookback_days'), both compared at the conversion's grain:
      timestamp grain: touched_at < converted_at and converted_at − touched_at ≤ lookback days;
                       Δt = (converted_at − touched_at) in days, with fractions;
      day grain:       touched_on < converted_on (UTC days; a touch on the conversion's own day does not
                       count, its order is unknown) and converted_on − touched_on ≤ lookback days;
                       Δt = whole days between the two UTC days.
    touch_position orders the path by touched_at, then campaign_id, then touch_id (ties on timestamps are
    broken by those ids, so the larger campaign_id / touch_id is the later touch, as in window attribution).
    channel_weight is W_c from seed channel_weights (var('attribution_default_channel_weight') for channels it
    lacks); fct_attribution_credit turns W_c and Δt into time-decay weights.
-#}

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
