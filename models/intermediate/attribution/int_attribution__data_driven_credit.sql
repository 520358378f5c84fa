with

conversion_paths as (

    select * from {{ ref('int_attribution__conversion_paths') }}

),

paths as (

    select * from {{ ref('int_attribution__paths') }}

),

markov as (

    select * from {{ ref('int_attribution__markov_removal_effects') }}

),

shapley as (

    select * from {{ ref('int_attribution__shapley_values') }}

),

path_channels as (

    select
        conversion_id,
        {{ attribution_path_step_column() }} as channel,
        count(*) as channel_touches
    from conversion_paths
    group by conversion_id, {{ attribution_path_step_column() }}

),

-- each model's weight of a channel on a conversion's path: Markov's global credit, Shapley's share in the
-- path's channel set (0 for a channel the model does not credit there)
channel_weights as (

    select
        path_channels.conversion_id,
        path_channels.channel,
        path_channels.channel_touches,
        'markov' as attribution_model,
        coalesce(markov.conversions_credited, 0) as weight
    from path_channels
    left join markov
        on path_channels.channel = markov.channel

    union all

    select
        path_channels.conversion_id,
        path_channels.channel,
        path_channels.channel_touches,
        'shapley' as attribution_model,
        coalesce(shapley.credit_share, 0) as weight
    from path_channels
    left join paths
        on path_channels.conversion_id = paths.conversion_id
    left join shapley
        on
            paths.channel_set = shapley.channel_set
            and path_channels.channel = shapley.channel

),

normalised as (

    select
        *,
        sum(weight) over (partition by conversion_id, attribution_model) as weight_total
    from channel_weights

),

final as (

    select
        conversion_paths.conversion_id,
        conversion_paths.touch_id,
        normalised.attribution_model,
        case
            when normalised.weight_total > 0
                then normalised.weight / normalised.weight_total / normalised.channel_touches
            else 1.0 / conversion_paths.path_length
        end as credit
    from conversion_paths
    inner join normalised
        on
            conversion_paths.conversion_id = normalised.conversion_id
            and {{ attribution_path_step_column('conversion_paths') }} = normalised.channel

)

select * from final
