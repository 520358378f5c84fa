with

conversations as (

    select * from {{ ref('int_attribution__conversations') }}

),

touches as (

    select * from {{ ref('int_attribution__touches') }}

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
        attribution_window_hours
    from touches
    where
        customer_key is not null
        {%- if not var('attribution_credit_unknown_campaign') %}
            and not is_campaign_unknown
        {%- endif %}

),

-- touches of the same customer strictly before the start, inside their campaign's window
candidates as (

    select
        conversations.conversation_id,
        conversations.conversation_started_at,
        eligible_touches.touch_id,
        eligible_touches.campaign_id,
        eligible_touches.campaign_name,
        eligible_touches.channel,
        eligible_touches.touch_sequence,
        eligible_touches.touched_at,
        eligible_touches.attribution_window_hours,
        row_number() over (
            partition by conversations.conversation_id
            order by
                eligible_touches.touched_at desc,
                eligible_touches.campaign_id desc,
                eligible_touches.touch_id desc
        ) as recency_rank,
        count(*) over (partition by conversations.conversation_id) as candidate_touches
    from conversations
    inner join eligible_touches
        on
            conversations.customer_key = eligible_touches.customer_key
            and conversations.conversation_started_at > eligible_touches.touched_at
            and eligible_touches.touched_at >= {{ dateadd('hour', '-eligible_touches.attribution_window_hours',
                                                       'conversations.conversation_started_at') }}

),

final as (

    select
        conversation_id,
        touch_id as owning_touch_id,
        campaign_id as owning_campaign_id,
        campaign_name as owning_campaign_name,
        channel as owning_channel,
        touch_sequence as owning_touch_sequence,
        touched_at as owning_touched_at,
        attribution_window_hours,
        {{ seconds_between('touched_at', 'conversation_started_at') }} / 3600.0 as hours_since_touch,
        candidate_touches
    from candidates
    where recency_rank = 1

)

select * from final
