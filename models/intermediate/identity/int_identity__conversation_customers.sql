{#-
    One row per Genesys conversation whose customer could be identified: the customer_key, found through the
    identity seam (int_identity__identifier_lookup, macro resolve_customer_key) from the customer
    participant's identifiers, most trusted first: 1 the CRM_LeadId attribute (a source record of
    var('crm_source_system')), 2 the CRM_AccountId attribute, 3 the context.email attribute (web
    messaging), 4 the customer's number (ANI inbound, DNIS outbound, E.164); then, for values no customer
    record holds, 5 the email and 6 the number as interactions observed them with one customer's CRM id
    (int_identity__observed_identifiers). Ambiguous identifiers (a shared household phone) never match.
    Every domain that needs a conversation's customer joins here.
-#}

with

participants as (

    select * from {{ ref('stg_genesys__participants') }}

),

sessions as (

    select * from {{ ref('stg_genesys__sessions') }}

),

record_identifiers as (

    select * from {{ ref('int_identity__identifier_lookup') }}

),

observed_identifiers as (

    select * from {{ ref('int_identity__observed_identifiers') }}

),

-- record identifiers, then contact details only interactions know (their own identifier types)
identifier_lookup as (

    select
        identifier_type,
        identifier_value,
        source_system,
        customer_key,
        is_ambiguous
    from record_identifiers

    union all

    select
        identifier_type,
        identifier_value,
        source_system,
        customer_key,
        is_ambiguous
    from observed_identifiers

),

customer_sessions as (

    select
        sessions.conversation_id,
        case when sessions.direction = 'outbound' then sessions.dnis_e164 else sessions.ani_e164 end
            as customer_phone_e164,
        nullif(trim(participants.attr_crm_lead_id), '') as crm_lead_id,
        nullif(trim(participants.attr_crm_account_id), '') as crm_account_id,
        {{ normalize_email(map_get('participants.attributes', "'context.email'")) }} as customer_email
    from sessions
    inner join participants
        on sessions.participant_key = participants.participant_key
    where sessions.purpose = 'customer'

),

conversation_identifiers as (

    select
        conversation_id as event_id,
        1 as match_priority,
        'source_record' as identifier_type,
        crm_lead_id as identifier_value,
        '{{ var("crm_source_system") }}' as source_system
    from customer_sessions
    where crm_lead_id is not null

    union all

    select
        conversation_id as event_id,
        2 as match_priority,
        'account_id' as identifier_type,
        crm_account_id as identifier_value,
        '*' as source_system
    from customer_sessions
    where crm_account_id is not null

    union all

    select
        conversation_id as event_id,
        3 as match_priority,
        'email' as identifier_type,
        customer_email as identifier_value,
        '*' as source_system
    from customer_sessions
    where customer_email is not null

    union all

    select
        conversation_id as event_id,
        4 as match_priority,
        'phone_e164' as identifier_type,
        customer_phone_e164 as identifier_value,
        '*' as source_system
    from customer_sessions
    where customer_phone_e164 is not null

    union all

    select
        conversation_id as event_id,
        5 as match_priority,
        'observed_email' as identifier_type,
        customer_email as identifier_value,
        '*' as source_system
    from customer_sessions
    where customer_email is not null

    union all

    select
        conversation_id as event_id,
        6 as match_priority,
        'observed_phone_e164' as identifier_type,
        customer_phone_e164 as identifier_value,
        '*' as source_system
    from customer_sessions
    where customer_phone_e164 is not null

),

conversation_customers as (

    {{ resolve_customer_key('conversation_identifiers', 'identifier_lookup') }}

)

select
    event_id as conversation_id,
    customer_key,
    customer_match_method
from conversation_customers
