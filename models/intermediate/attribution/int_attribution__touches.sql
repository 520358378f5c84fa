with

marketing_touches as (

    select * from {{ ref('stg_marketing__touches') }}

),

dialer_touches as (

    select * from {{ ref('int_attribution__dialer_touches') }}

),

campaigns as (

    select * from {{ ref('stg_marketing__campaigns') }}

),

customer_lookup as (

    select * from {{ ref('int_identity__customer_lookup') }}

),

marketing_identifiers as (

    {{ customer_identifiers('marketing_touches', 'touch_id', lead_id='lead_id', email='email',
                            phone_e164='phone_e164') }}

),

marketing_customers as (

    {{ resolve_customer_key('marketing_identifiers', 'customer_lookup') }}

),

all_touches as (

    select
        marketing_touches.touch_id,
        'marketing' as touch_source,
        marketing_touches.channel,
        marketing_touches.campaign_id,
        case when marketing_touches.campaign_id is not null then 'marketing_export' end as campaign_id_source,
        cast(null as integer) as attr_touch_sequence,
        marketing_touches.touched_at,
        cast(null as {{ dbt.type_string() }}) as outbound_campaign_id,
        cast(null as {{ dbt.type_string() }}) as disposition_name,
        cast(null as {{ dbt.type_string() }}) as lead_source,
        marketing_customers.customer_key,
        marketing_customers.customer_match_method
    from marketing_touches
    left join marketing_customers
        on marketing_touches.touch_id = marketing_customers.event_id

    union all

    select
        touch_id,
        touch_source,
        channel,
        campaign_id,
        campaign_id_source,
        attr_touch_sequence,
        touched_at,
        outbound_campaign_id,
        disposition_name,
        lead_source,
        customer_key,
        customer_match_method
    from dialer_touches

),

final as (

    select
        all_touches.touch_id,
        all_touches.touch_source,
        all_touches.channel,
        all_touches.campaign_id,
        all_touches.campaign_id is null as is_campaign_unknown,
        case when all_touches.campaign_id is null then 'unknown' else 'campaign' end as campaign_class,
        all_touches.campaign_id_source,
        campaigns.campaign_id is not null as is_campaign_in_registry,
        campaigns.campaign_name,
        campaigns.channel_type as campaign_channel_type,
        coalesce(campaigns.attribution_window_hours, {{ var('attribution_window_hours') }})
            as attribution_window_hours,
        coalesce(
            all_touches.attr_touch_sequence,
            cast(row_number() over (
                partition by coalesce(all_touches.customer_key, all_touches.touch_id), all_touches.campaign_id
                order by all_touches.touched_at, all_touches.touch_id
            ) as bigint)
        ) as touch_sequence,
        case when all_touches.attr_touch_sequence is not null then 'participant_attribute' else 'derived' end
            as touch_sequence_source,
        all_touches.touched_at,
        cast(all_touches.touched_at as date) as touched_on,
        all_touches.customer_key,
        all_touches.customer_match_method,
        all_touches.outbound_campaign_id,
        all_touches.disposition_name,
        all_touches.lead_source
    from all_touches
    left join campaigns
        on all_touches.campaign_id = campaigns.campaign_id

)

select * from final
