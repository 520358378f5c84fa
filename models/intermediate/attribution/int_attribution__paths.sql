with

path_steps as (

    select * from {{ ref('int_attribution__path_steps') }}

),

channel_sets as (

    select
        path_id,
        {{ string_agg_ordered('step_channel', ',', 'step_channel') }} as channel_set,
        count(*) as channel_count
    from (
        select distinct
            path_id,
            step_channel
        from path_steps
    ) as path_channels
    group by path_id

),

paths as (

    select
        path_id,
        max(journey_id) as journey_id,
        max(customer_key) as customer_key,
        max(conversion_id) as conversion_id,
        max(case when is_converting then 1 else 0 end) = 1 as is_converting,
        max(conversion_value) as conversion_value,
        {{ string_agg_ordered('step', ' > ', 'step_position') }} as path,
        count(*) as path_length
    from path_steps
    group by path_id

),

final as (

    select
        paths.path_id,
        paths.journey_id,
        paths.customer_key,
        paths.conversion_id,
        paths.is_converting,
        cast(paths.conversion_value as decimal(18, 2)) as conversion_value,
        paths.path,
        paths.path_length,
        channel_sets.channel_set,
        channel_sets.channel_count
    from paths
    inner join channel_sets
        on paths.path_id = channel_sets.path_id

)

select * from final
