with

paths as (

    select * from {{ ref('int_attribution__paths') }}

),

path_steps as (

    select * from {{ ref('int_attribution__path_steps') }}

),

set_channels as (

    select
        channel_set,
        channel,
        channel_count,
        dense_rank() over (partition by channel_set order by channel) - 1 as channel_bit
    from (
        select distinct
            paths.channel_set,
            paths.channel_count,
            path_steps.step_channel as channel
        from paths
        inner join path_steps
            on paths.path_id = path_steps.path_id
        where paths.conversion_id is not null
    ) as distinct_set_channels

),

final as (

    select
        channel_set,
        channel,
        channel_count,
        channel_bit,
        cast(power(2, channel_bit) as bigint) as channel_mask
    from set_channels

)

select * from final
