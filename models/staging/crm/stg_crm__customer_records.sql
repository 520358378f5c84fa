{{ config(materialized='incremental', unique_key='customer_record_key') }}
{%- set incremental = incremental_ready('_loaded_at') %}
-- Incremental (issue 16): a record is ranked again, over all its versions, when one was landed since the last
-- run; its latest version is the one landed last, so the stored _loaded_at is the watermark.
with

{%- if incremental %}

    changed as (

        select distinct
            source_system,
            trim(source_record_id) as source_record_id
        from {{ source('crm', 'crm_customer_records') }}
        where _loaded_at > {{ incremental_watermark('_loaded_at') }}

    ),
{%- endif %}

records as (

    select
        source_system,
        date_order,
        source_record_id,
        account_id,
        first_name,
        last_name,
        email,
        phone,
        date_of_birth,
        street,
        city,
        postcode,
        country,
        updated_at,
        raw_attributes,
        _source_file,
        _source_line,
        _loaded_at
    from {{ source('crm', 'crm_customer_records') }} as landed  -- noqa: AL05
    {%- if incremental %}
        where exists (
            select 1 from changed
            where
                changed.source_system = landed.source_system
                and changed.source_record_id = trim(landed.source_record_id)
        )
    {%- endif %}

),

source_systems as (

    select
        source_system,
        trust_rank,
        calling_code,
        trunk_prefix,
        default_timezone,
        date_order
    from {{ ref('source_systems') }}

),

country_codes as (

    select
        country_alias,
        country_code,
        calling_code,
        trunk_prefix
    from {{ ref('country_codes') }}

),

-- raw keeps every distinct version of a record; the latest landed one wins
latest_records as (

    select
        records.*,
        row_number() over (
            partition by records.source_system, trim(records.source_record_id)
            order by records._loaded_at desc, records._source_file desc, records._source_line desc
        ) as version_rank,
        -- when the record's first version was landed (a later version keeps the record's age)
        min(records._loaded_at) over (
            partition by records.source_system, trim(records.source_record_id)
        ) as first_loaded_at
    from records

),

with_system as (

    select
        latest_records.source_system,
        trim(latest_records.source_record_id) as source_record_id,
        nullif(trim(latest_records.account_id), '') as account_id,
        nullif(trim(latest_records.first_name), '') as first_name,
        nullif(trim(latest_records.last_name), '') as last_name,
        latest_records.email,
        latest_records.phone,
        nullif(trim(latest_records.date_of_birth), '') as date_of_birth_source_text,
        upper(coalesce(latest_records.date_order, source_systems.date_order)) as date_order,
        nullif(trim(latest_records.street), '') as street,
        nullif(trim(latest_records.city), '') as city,
        nullif(trim(latest_records.postcode), '') as postcode,
        nullif(trim(latest_records.country), '') as country,
        latest_records.updated_at,
        latest_records.raw_attributes,
        latest_records._loaded_at,
        latest_records.first_loaded_at,
        country_codes.country_code,
        source_systems.trust_rank,
        -- the record's own country first, then its system's, then the project default
        coalesce(
            country_codes.calling_code,
            source_systems.calling_code,
            '{{ var("default_calling_code") }}'
        ) as calling_code,
        case
            when country_codes.calling_code is not null then coalesce(country_codes.trunk_prefix, '')
            else coalesce(source_systems.trunk_prefix, '')
        end as trunk_prefix,
        coalesce(source_systems.default_timezone, 'UTC') as default_timezone
    from latest_records
    left join source_systems
        on latest_records.source_system = source_systems.source_system
    left join country_codes
        on lower(trim(latest_records.country)) = country_codes.country_alias
    where latest_records.version_rank = 1

),

final as (

    select
        {{ surrogate_key(['source_system', 'source_record_id']) }} as customer_record_key,
        source_system,
        source_record_id,
        account_id,
        first_name,
        last_name,
        {{ normalize_name('first_name') }} as first_name_normalized,
        {{ normalize_name('last_name') }} as last_name_normalized,
        {{ normalize_email('email') }} as email,
        {{ normalize_phone('phone', 'calling_code', 'trunk_prefix') }} as phone_e164,
        {{ parse_date_text('date_of_birth_source_text', 'date_order') }} as date_of_birth,
        date_of_birth_source_text,
        {{ date_text_issue('date_of_birth_source_text', 'date_order') }} as date_of_birth_issue,
        date_order,
        street,
        city,
        postcode,
        nullif(upper({{ regex_replace('postcode', '\\s+', '') }}), '') as postcode_normalized,
        country,
        country_code,
        {{ to_utc('updated_at', 'default_timezone') }} as source_updated_at,
        trust_rank,
        raw_attributes,
        _loaded_at,
        first_loaded_at
    from with_system

)

select * from final
