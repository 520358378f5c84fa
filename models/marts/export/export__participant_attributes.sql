with effort as (
    select * from {{ ref('fct_conversation_effort') }}
    where is_scored
),

participants as (
    select * from {{ ref('stg_genesys__participants') }}
),

attribution as (
    select * from {{ ref('fct_interaction_attribution') }}
),

-- the customer side of the conversation; the first one when a conversation has several
customer_participants as (
    select
        conversation_id,
        participant_id,
        row_number() over (partition by conversation_id order by participant_index) as customer_rank
    from participants
    where purpose in ('customer', 'external')
),

attributes as (
    {%- set prefix = var('export_attribute_prefix') %}
    select
        effort.conversation_id,
        customer.participant_id,
        {{ json_build_object([
            (prefix ~ 'ces_score', 'cast(effort.ces_score as ' ~ dbt.type_string() ~ ')'),
            (prefix ~ 'ces_high_effort', "case when effort.is_high_effort then 'true' else 'false' end"),
            (prefix ~ 'ces_transfer_penalty', 'cast(effort.ces_transfer_penalty as ' ~ dbt.type_string() ~ ')'),
            (prefix ~ 'ces_wait_penalty', 'cast(effort.ces_wait_penalty as ' ~ dbt.type_string() ~ ')'),
            (prefix ~ 'attributed', "case when attribution.is_attributed then 'true' else 'false' end"),
            (prefix ~ 'attributed_campaign_id', "coalesce(attribution.owning_campaign_id, '')"),
            (prefix ~ 'attributed_channel', "coalesce(attribution.owning_channel, '')"),
        ]) }} as attribute_map
    from effort
    inner join customer_participants as customer
        on
            effort.conversation_id = customer.conversation_id
            and customer.customer_rank = 1
    -- seed 000 window attribution: the campaign touch that owns the conversation, if any
    left join attribution
        on effort.conversation_id = attribution.conversation_id
),

payloads as (
    select
        conversation_id,
        participant_id,
        '/api/v2/conversations/' || conversation_id || '/participants/' || participant_id
        || '/attributes' as request_path,
        cast(
            {{ json_build_object([('attributes', json_value_of('attribute_map'))]) }} as {{ dbt.type_string() }}
        ) as payload
    from attributes
),

final as (
    select
        conversation_id as export_key,
        conversation_id,
        participant_id,
        'PATCH' as request_method,
        request_path,
        payload,
        {{ md5_hex("'PATCH ' || request_path || ' ' || payload") }} as payload_hash
    from payloads
    -- ids go into the request path: only Genesys ids (UUIDs), never text that could steer the request
    where {{ is_genesys_id('conversation_id') }} and {{ is_genesys_id('participant_id') }}
)

select * from final
