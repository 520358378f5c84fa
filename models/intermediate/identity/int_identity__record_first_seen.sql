{{ config(materialized='incremental', unique_key='customer_record_key') }}
{#-
    One row per source customer record ever seen (grain: customer_record_key) with when it was first
    seen. Incremental and never lowered: a re-landed or re-keyed record keeps its first sighting, so the
    customer_key derived from a cluster's earliest-seen member stays stable across builds.
-#}
with

records as (

    select * from {{ ref('int_identity__records') }}

),

sightings as (

    select
        customer_record_key,
        source_system,
        source_record_id,
        loaded_at as first_seen_at
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
