with codes as (
    select * from {{ ref('stg_genesys__wrapup_codes') }}
),

system_codes as (
    select * from {{ ref('genesys_system_wrapup_codes') }}
),

divisions as (
    select * from {{ ref('stg_genesys__divisions') }}
),

-- codes the org defines, then Genesys's own system codes (seed) that no listed code shadows
unioned as (
    select
        wrapup_code_id,
        wrapup_code_name,
        division_id,
        false as is_system_code,
        is_deleted,
        deleted_detected_at
    from codes
    union all
    select
        system_codes.wrapup_code_id,
        system_codes.wrapup_code_name,
        cast(null as {{ dbt.type_string() }}) as division_id,
        true as is_system_code,
        false as is_deleted,
        cast(null as {{ dbt.type_timestamp() }}) as deleted_detected_at
    from system_codes
    left join codes on system_codes.wrapup_code_id = codes.wrapup_code_id
    where codes.wrapup_code_id is null
),

final as (
    select
        unioned.wrapup_code_id,
        unioned.wrapup_code_name,
        unioned.division_id,
        divisions.division_name,
        unioned.is_system_code,
        unioned.is_deleted,
        unioned.deleted_detected_at
    from unioned
    left join divisions on unioned.division_id = divisions.division_id
)

select * from final
