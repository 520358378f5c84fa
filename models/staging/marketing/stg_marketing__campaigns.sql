{%- set date_formats = ['%Y-%m-%d', '%m/%d/%Y', '%d.%m.%Y', '%Y/%m/%d'] -%}

with

campaigns as (

    select
        campaign_id,
        campaign_name,
        channel_type,
        start_date,
        end_date,
        budget,
        attribution_window_hours,
        _source_file,
        _source_line,
        _loaded_at
    from {{ source('marketing', 'marketing_campaigns') }}

),

-- raw keeps every distinct version of a campaign; the latest landed one wins
latest_campaigns as (

    select
        campaigns.*,
        row_number() over (
            partition by trim(campaigns.campaign_id)
            order by campaigns._loaded_at desc, campaigns._source_file desc, campaigns._source_line desc
        ) as version_rank
    from campaigns

),

renamed as (

    select
        trim(campaign_id) as campaign_id,
        nullif(trim(campaign_name), '') as campaign_name,
        nullif(lower(trim(channel_type)), '') as channel_type,
        {{ try_parse_date('start_date', date_formats) }} as start_date,
        {{ try_parse_date('end_date', date_formats) }} as end_date,
        {{ safe_cast(regex_replace('budget', '[^0-9.-]', ''), 'decimal(18, 2)') }} as budget,
        {{ safe_cast("nullif(trim(attribution_window_hours), '')", 'integer') }} as attribution_window_hours,
        _loaded_at
    from latest_campaigns
    where version_rank = 1

),

final as (

    select
        renamed.*,
        renamed.attribution_window_hours is null as is_window_default
    from renamed

)

select * from final
