with inputs as (
    select * from {{ ref('int_effort__conversation_inputs') }}
    where is_complete
),

conversation_customers as (
    select * from {{ ref('int_identity__conversation_customers') }}
),

wrapups as (
    select * from {{ ref('int_effort__conversation_wrapups') }}
),

queues as (
    select * from {{ ref('dim_queues') }}
),

wrapup_codes as (
    select * from {{ ref('dim_wrapup_codes') }}
),

users as (
    select * from {{ ref('dim_users') }}
),

scored as (
    select
        inputs.conversation_id,
        conversation_customers.customer_key,
        inputs.conversation_started_at,
        inputs.conversation_ended_at,
        cast(inputs.conversation_started_at as date) as conversation_date,
        inputs.originating_direction,
        inputs.media_type,
        inputs.first_queue_id,
        queues.queue_name as first_queue_name,
        inputs.queue_ids,
        inputs.agent_count,
        inputs.agent_user_ids,
        wrapups.wrapup_code_id,
        wrapup_codes.wrapup_code_name,
        wrapups.wrapup_user_id as wrapup_agent_user_id,
        users.user_name as wrapup_agent_name,
        inputs.transfer_count,
        inputs.transfer_count_source,
        inputs.blind_transfers,
        inputs.consult_transfers,
        inputs.queue_wait_seconds,
        inputs.queue_wait_source,
        inputs.ivr_seconds,
        inputs.hold_seconds,
        inputs.handle_seconds,
        inputs.is_abandoned,
        inputs.effort_input_issue,
        inputs.effort_input_issue is null as is_scored,
        {{ var('ces_base') }} as ces_base,
        case
            when inputs.effort_input_issue is null
                then {{ ces_transfer_points('inputs.transfer_count') }}
        end as ces_transfer_penalty,
        case
            when inputs.effort_input_issue is null
                then {{ ces_wait_points('inputs.queue_wait_seconds') }}
        end as ces_wait_penalty,
        case
            when inputs.effort_input_issue is null
                then {{ ces_score('inputs.transfer_count', 'inputs.queue_wait_seconds') }}
        end as ces_score,
        inputs.transfers_disagree or inputs.queue_wait_disagrees as sources_disagree
    from inputs
    left join conversation_customers on inputs.conversation_id = conversation_customers.conversation_id
    left join wrapups on inputs.conversation_id = wrapups.conversation_id
    left join queues on inputs.first_queue_id = queues.queue_id
    left join wrapup_codes on wrapups.wrapup_code_id = wrapup_codes.wrapup_code_id
    left join users on wrapups.wrapup_user_id = users.user_id
),

final as (
    select
        conversation_id,
        customer_key,
        conversation_started_at,
        conversation_ended_at,
        conversation_date,
        originating_direction,
        media_type,
        first_queue_id,
        first_queue_name,
        queue_ids,
        agent_count,
        agent_user_ids,
        wrapup_code_id,
        wrapup_code_name,
        wrapup_agent_user_id,
        wrapup_agent_name,
        transfer_count,
        transfer_count_source,
        blind_transfers,
        consult_transfers,
        queue_wait_seconds,
        queue_wait_source,
        ivr_seconds,
        hold_seconds,
        handle_seconds,
        is_abandoned,
        is_scored,
        effort_input_issue,
        ces_base,
        ces_transfer_penalty,
        ces_wait_penalty,
        ces_base - ces_transfer_penalty - ces_wait_penalty < ces_score as is_ces_floored,
        ces_score,
        ces_score <= {{ var('ces_high_effort_max') }} as is_high_effort,
        sources_disagree
    from scored
)

select * from final
