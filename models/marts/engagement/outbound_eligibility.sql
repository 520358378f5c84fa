{#-
    Contacts to queue now: one row per eligible contact (grain: contact_key) — tier high or moderate, score
    up ≥ 0.10 within 24 h, no dialer outreach of any campaign for 72 h (seed 003 §3; vars) — with what
    the dialer needs: who (customer_key, crm_contact_id; phone numbers are joined from the customer domain
    by the export), priority, the channel to use and the local window to call in.
-#}

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
        row_number() over (order by propensity_score desc, contact_key asc) as queue_priority,
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
