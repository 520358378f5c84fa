with

paths as (

    select * from {{ ref('int_attribution__paths') }}

),

final as (

    select
        {{ surrogate_key(['path']) }} as path_key,
        path,
        cast(max(path_length) as bigint) as path_length,
        cast(count(*) as bigint) as path_count,
        cast(sum(case when is_converting then 1 else 0 end) as bigint) as conversions,
        cast(sum(case when is_converting then 0 else 1 end) as bigint) as non_conversions,
        cast(sum(conversion_value) as double) as conversion_value
    from paths
    group by path

)

select * from final
