with

paths as (

    select * from {{ ref('int_attribution__paths') }}

),

final as (

    select
        channel_set,
        max(channel_count) as channel_count,
        count(*) as journeys,
        sum(case when is_converting then 1 else 0 end) as conversions,
        cast(sum(conversion_value) as double) as conversion_value,
        cast(sum(case when is_converting then 1 else 0 end) as double) / count(*) as conversion_rate
    from paths
    group by channel_set

)

select * from final
