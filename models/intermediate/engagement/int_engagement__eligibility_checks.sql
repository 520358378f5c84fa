with

contacts as (

    select * from {{ ref('int_engagement__contacts') }}

),

scores as (

    select * from {{ ref('int_engagement__contact_scores_daily') }}

),

channels as (

    select * from {{ ref('int_engagement__channel_response_rates') }}

),

windows as (

    select * from {{ ref('int_engagement__contact_windows') }}

),

interactions as (

    select * from {{ ref('int_engagement__genesys_interactions') }}

),

last_outreach as (

    select
        contact_key,
        max(conversation_started_at) as last_outreach_at
    from interactions
    where is_outbound_attempt and conversation_started_at <= {{ reference_time() }}
    group by contact_key

),

checked as (

    select
        contacts.contact_key,
        contacts.customer_key,
        contacts.crm_contact_id,
        scores.snapshot_at as evaluated_at,
        scores.propensity_score,
        scores.propensity_tier,
        scores.score_increase_in_window,
        last_outreach.last_outreach_at,
        {{ dateadd('hour', var('eligibility_cooldown_hours'), 'last_outreach.last_outreach_at') }}
            as cooldown_ends_at,
        channels.channel as preferred_channel,
        channels.response_rate as preferred_channel_response_rate,
        windows.timezone,
        windows.window_start_hour,
        windows.window_end_hour,
        windows.window_source,
        scores.propensity_tier in ('high', 'moderate') as passes_tier,
        coalesce(scores.score_increase_in_window >= {{ var('eligibility_min_score_increase') }}, false)
            as passes_score_increase,
        last_outreach.last_outreach_at is null
        or {{ dateadd('hour', var('eligibility_cooldown_hours'), 'last_outreach.last_outreach_at') }}
        <= scores.snapshot_at as passes_cooldown
    from contacts
    inner join scores
        on contacts.contact_key = scores.contact_key and scores.snapshot_at = {{ reference_time() }}
    left join channels
        on contacts.contact_key = channels.contact_key and channels.channel_rank = 1
    left join windows
        on contacts.contact_key = windows.contact_key
    left join last_outreach
        on contacts.contact_key = last_outreach.contact_key

),

final as (

    select
        contact_key,
        customer_key,
        crm_contact_id,
        evaluated_at,
        propensity_score,
        propensity_tier,
        score_increase_in_window,
        last_outreach_at,
        cooldown_ends_at,
        preferred_channel,
        preferred_channel_response_rate,
        timezone,
        window_start_hour,
        window_end_hour,
        window_source,
        passes_tier,
        passes_score_increase,
        passes_cooldown,
        passes_tier and passes_score_increase and passes_cooldown as is_eligible,
        case
            when not passes_tier then 'low_tier'
            when not passes_score_increase then 'no_recent_score_increase'
            when not passes_cooldown then 'cooldown'
        end as ineligible_reason
    from checked

)

select * from final
