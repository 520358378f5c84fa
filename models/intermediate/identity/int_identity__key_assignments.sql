{{ config(materialized='incremental', incremental_strategy='append') }}
with

clusters as (

    select * from {{ ref('int_identity__clusters') }}

),

{%- if is_incremental() %}

    latest_assignments as (

        select
            customer_record_key,
            customer_key
        from (
            select
                customer_record_key,
                customer_key,
                row_number() over (partition by customer_record_key order by assigned_at desc) as assignment_rank
            from {{ this }}
        ) as ranked_assignments
        where assignment_rank = 1

    ),
{%- endif %}

changes as (

    select
        clusters.customer_record_key,
        clusters.customer_key,
        {%- if is_incremental() %}
            latest_assignments.customer_key as previous_customer_key,
        {%- else %}
            cast(null as {{ dbt.type_string() }}) as previous_customer_key,
        {%- endif %}
        {{ run_started_timestamp() }} as assigned_at
    from
        clusters
    {%- if is_incremental() %}
    left join latest_assignments
        on clusters.customer_record_key = latest_assignments.customer_record_key
    where latest_assignments.customer_key is distinct from clusters.customer_key
    {%- endif %}

),

final as (

    select
        {{ surrogate_key(['customer_record_key', 'assigned_at']) }} as assignment_key,
        customer_record_key,
        customer_key,
        previous_customer_key,
        assigned_at
    from changes

)

select * from final
