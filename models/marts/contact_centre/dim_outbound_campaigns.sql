with campaigns as (
    select * from {{ ref('stg_genesys__outbound_campaigns') }}
),

contact_lists as (
    select * from {{ ref('stg_genesys__contact_lists') }}
),

queues as (
    select * from {{ ref('stg_genesys__queues') }}
),

divisions as (
    select * from {{ ref('stg_genesys__divisions') }}
),

final as (
    select
        campaigns.outbound_campaign_id,
        campaigns.outbound_campaign_name,
        campaigns.contact_list_id,
        contact_lists.contact_list_name,
        campaigns.queue_id,
        queues.queue_name,
        campaigns.division_id,
        divisions.division_name,
        campaigns.dialing_mode,
        campaigns.campaign_status,
        campaigns.is_deleted,
        campaigns.deleted_detected_at
    from campaigns
    left join contact_lists on campaigns.contact_list_id = contact_lists.contact_list_id
    left join queues on campaigns.queue_id = queues.queue_id
    left join divisions on campaigns.division_id = divisions.division_id
)

select * from final
