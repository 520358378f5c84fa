{{ config(materialized='incremental', unique_key='customer_record_key') }}
with

records as (

    select * from {{ ref('int_identity__records') }}

),

sightings as (

    select
        customer_record_key,
        source_system,
        source_record_id,
        first_loaded_at as first_seen_at
    from records
    {%- if is_incremental() %}

        union all

        select
            customer_record_key,
            source_system,
            source_record_id,
            first_seen_at
        from {{ this }}
    {%- endif %}

),

final as (

    select
        customer_record_key,
        min(source_system) as source_system,
        min(source_record_id) as source_record_id,
        min(first_seen_at) as first_seen_at
    from sightings
    group by customer_record_key

)

select * from final
