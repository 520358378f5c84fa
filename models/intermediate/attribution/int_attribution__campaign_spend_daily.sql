with

campaigns as (

    select * from {{ ref('stg_marketing__campaigns') }}

),

campaign_days as (

    select
        campaign_id,
        campaign_name,
        channel_type,
        budget,
        start_date,
        coalesce(end_date, cast({{ reference_time() }} as date)) as last_date
    from campaigns
    where
        start_date is not null
        and budget is not null

),

valid_campaign_days as (

    select
        campaign_id,
        campaign_name,
        channel_type,
        budget,
        start_date,
        last_date,
        {{ days_between('start_date', 'last_date') }} + 1 as campaign_days
    from campaign_days
    where last_date >= start_date

),

spend_days as (

    {{ day_series_rows('valid_campaign_days', 'start_date', 'last_date',
                       ['campaign_id', 'campaign_name', 'channel_type', 'budget', 'campaign_days'], 'spend_date') }}

),

final as (

    select
        {{ surrogate_key(['campaign_id', 'spend_date']) }} as campaign_spend_day_key,
        campaign_id,
        campaign_name,
        channel_type,
        spend_date,
        campaign_days,
        cast(budget as double) / campaign_days as spend
    from spend_days

)

select * from final
