with divisions as (
    select * from {{ ref('stg_genesys__divisions') }}
),

final as (
    select
        division_id,
        division_name,
        division_description,
        is_home_division,
        is_deleted,
        deleted_detected_at
    from divisions
)

select * from final
