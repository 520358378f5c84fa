with

checks as (

    select * from {{ ref('int_engagement__eligibility_checks') }}

),

final as (

    select
        contact_key,
        customer_key,
        crm_contact_id,
        propensity_score,
        propensity_tier,
        score_increase_in_window as score_increase_24h,
        cast(row_number() over (order by propensity_score desc, contact_key asc) as bigint) as queue_priority,
        preferred_channel,
        timezone,
        window_start_hour,
        window_end_hour,
        last_outreach_at,
        evaluated_at
    from checks
    where is_eligible

)

select * from final
