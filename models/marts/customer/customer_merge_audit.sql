with

survivorship as (

    select * from {{ ref('int_identity__field_survivorship') }}

),

final as (

    select
        survivorship_key,
        customer_key,
        field,
        action,
        customer_record_key,
        source_system,
        source_record_id,
        source_updated_at,
        priority,
        field_value,
        outcome,
        decided_by,
        is_race_condition,
        winner_record_key,
        winner_source_system,
        winner_value,
        candidate_count
    from survivorship
    where candidate_count > 1

)

select * from final
