{%- set date_formats = ['%Y-%m-%d', '%m/%d/%Y', '%d.%m.%Y', '%Y/%m/%d'] -%}

with

conversions as (

    select
        conversionid,
        leadid,
        campaignid,
        conversiondate,
        conversionvalue,
        status,
        _source_file,
        _source_line,
        _loaded_at
    from {{ source('crm', 'crm_conversions') }}

),

source_systems as (

    select
        source_system,
        default_timezone
    from {{ ref('source_systems') }}

),

-- raw keeps every distinct version of a conversion; the latest landed one wins
latest_conversions as (

    select
        conversions.*,
        row_number() over (
            partition by trim(conversions.conversionid)
            order by conversions._loaded_at desc, conversions._source_file desc, conversions._source_line desc
        ) as version_rank
    from conversions

),

renamed as (

    select
        trim(conversionid) as conversion_id,
        nullif(trim(leadid), '') as lead_id,
        nullif(trim(campaignid), '') as campaign_id,
        nullif(trim(conversiondate), '') as conversion_date_text,
        {{ safe_cast(regex_replace('conversionvalue', '[^0-9.-]', ''), 'decimal(18, 2)') }} as conversion_value,
        nullif(lower(trim(status)), '') as status,
        coalesce(
            (
                select source_systems.default_timezone
                from source_systems
                where source_systems.source_system = '{{ var("conversions_source_system") }}'
            ),
            'UTC'
        ) as crm_timezone,
        _loaded_at
    from latest_conversions
    where version_rank = 1

),

-- a text that parses as a whole as a date has day grain; anything else is a point in time
with_grain as (

    select
        renamed.*,
        {{ try_parse_date('conversion_date_text', date_formats) }} as conversion_day,
        {{ to_utc('conversion_date_text', 'crm_timezone') }} as conversion_instant
    from renamed

),

final as (

    select
        conversion_id,
        lead_id,
        campaign_id,
        conversion_value,
        status,
        case
            when conversion_day is not null then 'day'
            when conversion_instant is not null then 'timestamp'
        end as conversion_grain,
        coalesce(conversion_day, cast(conversion_instant as date)) as converted_on,
        case when conversion_day is null then conversion_instant end as converted_at,
        conversion_date_text,
        _loaded_at
    from with_grain

)

select * from final
