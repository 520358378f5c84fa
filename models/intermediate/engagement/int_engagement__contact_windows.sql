{%- set width = var('engagement_contact_window_hours') -%}

with

contacts as (

    select * from {{ ref('int_engagement__contacts') }}

),

events as (

    select * from {{ ref('int_engagement__events_validated') }}

),

interactions as (

    select * from {{ ref('int_engagement__genesys_interactions') }}

),

start_hours as (

    {{ engagement_integers('start_hour', 0, 24 - width + 1) }}

),

local_touches as (

    select
        interactions.contact_key,
        extract(hour from {{ utc_to_zoned('interactions.conversation_started_at', 'contacts.timezone') }})
            as local_hour,
        case when interactions.is_outbound_attempt then 1 else 0 end as attempts,
        case when interactions.is_answered then 1 else 0 end as answered,
        case when interactions.is_customer_initiated then 1 else 0 end as activity
    from interactions
    inner join contacts
        on interactions.contact_key = contacts.contact_key
    where interactions.conversation_started_at <= {{ reference_time() }}

    union all

    select
        events.contact_key,
        extract(hour from {{ utc_to_zoned('events.event_timestamp', 'contacts.timezone') }}) as local_hour,
        0 as attempts,
        0 as answered,
        1 as activity
    from events
    inner join contacts
        on events.contact_key = contacts.contact_key
    where events.event_timestamp <= {{ reference_time() }}

),

hourly as (

    select
        contact_key,
        local_hour,
        sum(attempts) as attempts,
        sum(answered) as answered,
        sum(activity) as activity
    from local_touches
    group by contact_key, local_hour

),

contact_rates as (

    select
        contact_key,
        sum(attempts) as attempts,
        sum(answered) as answered,
        cast(sum(answered) as double) / nullif(sum(attempts), 0) as answer_rate
    from hourly
    group by contact_key

),

windows as (

    select
        hourly.contact_key,
        start_hours.start_hour,
        sum(hourly.attempts) as attempts,
        sum(hourly.answered) as answered,
        sum(hourly.activity) as activity
    from hourly
    inner join start_hours
        on hourly.local_hour >= start_hours.start_hour and hourly.local_hour < start_hours.start_hour + {{ width }}
    group by hourly.contact_key, start_hours.start_hour

),

scored_windows as (

    select
        windows.contact_key,
        windows.start_hour,
        windows.attempts,
        windows.answered,
        windows.activity,
        (windows.answered + {{ var('engagement_window_prior_weight') }} * coalesce(contact_rates.answer_rate, 0))
        / (windows.attempts + {{ var('engagement_window_prior_weight') }}) as smoothed_answer_rate,
        contact_rates.answered as contact_answered
    from windows
    inner join contact_rates
        on windows.contact_key = contact_rates.contact_key

),

best_outbound as (

    select
        contact_key,
        start_hour,
        attempts,
        answered,
        smoothed_answer_rate,
        row_number() over (
            partition by contact_key order by smoothed_answer_rate desc, attempts desc, start_hour asc
        ) as window_rank
    from scored_windows
    where contact_answered > 0 and attempts > 0

),

best_activity as (

    select
        contact_key,
        start_hour,
        activity,
        row_number() over (partition by contact_key order by activity desc, start_hour asc) as window_rank
    from scored_windows
    where activity > 0

),

chosen as (

    select
        contacts.contact_key,
        contacts.timezone,
        case
            when best_outbound.contact_key is not null then 'outbound_answer_rate'
            when best_activity.contact_key is not null then 'activity'
            else 'default'
        end as window_source,
        coalesce(
            best_outbound.start_hour, best_activity.start_hour, {{ var('engagement_default_window_start_hour') }}
        ) as window_start_hour,
        best_outbound.attempts as window_attempts,
        best_outbound.answered as window_answered,
        best_outbound.smoothed_answer_rate as window_answer_rate
    from contacts
    left join best_outbound
        on contacts.contact_key = best_outbound.contact_key and best_outbound.window_rank = 1
    left join best_activity
        on contacts.contact_key = best_activity.contact_key and best_activity.window_rank = 1

),

final as (

    select
        contact_key,
        timezone,
        cast(window_start_hour as integer) as window_start_hour,
        cast(window_start_hour + {{ width }} as integer) as window_end_hour,
        window_source,
        window_attempts,
        window_answered,
        window_answer_rate
    from chosen

)

select * from final
