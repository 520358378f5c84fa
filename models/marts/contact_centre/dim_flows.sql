with flows as (
    select * from {{ ref('stg_genesys__flows') }}
),

divisions as (
    select * from {{ ref('stg_genesys__divisions') }}
),

final as (
    select
        flows.flow_id,
        flows.flow_name,
        flows.flow_type,
        flows.division_id,
        divisions.division_name,
        flows.published_version,
        flows.is_active,
        flows.is_deleted,
        flows.deleted_detected_at
    from flows
    left join divisions on flows.division_id = divisions.division_id
)

select * from final
