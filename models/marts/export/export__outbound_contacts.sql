with checks as (
    select * from {{ ref('int_engagement__eligibility_checks') }}
),

eligible as (
    select * from {{ ref('outbound_eligibility') }}
),

identity_map as (
    select * from {{ ref('customer_identity_map') }}
),

customer_records as (
    select * from {{ ref('stg_crm__customer_records') }}
),

-- the number to dial: latest update wins, then the more trusted source
customer_phones as (
    select
        identity_map.customer_key,
        customer_records.phone_e164,
        row_number() over (
            partition by identity_map.customer_key
            order by
                customer_records.source_updated_at desc nulls last,
                customer_records.trust_rank asc,
                customer_records.customer_record_key asc
        ) as phone_rank
    from identity_map
    inner join customer_records
        on
            identity_map.source_system = customer_records.source_system
            and identity_map.source_record_id = customer_records.source_record_id
    where customer_records.phone_e164 is not null
),

contacts as (
    select
        checks.contact_key,
        checks.customer_key,
        checks.crm_contact_id,
        checks.is_eligible,
        checks.propensity_tier,
        checks.propensity_score,
        checks.preferred_channel,
        checks.timezone,
        checks.window_start_hour,
        checks.window_end_hour,
        eligible.queue_priority,
        phones.phone_e164
    from checks
    inner join customer_phones as phones
        on checks.customer_key = phones.customer_key and phones.phone_rank = 1
    left join eligible
        on checks.contact_key = eligible.contact_key
),

payloads as (
    {%- set phone_column = var('export_outbound_phone_column') %}
    {%- set list_id = var('export_outbound_contact_list_id') %}
    select
        contact_key,
        is_eligible,
        cast({{ json_build_object([
            ('id', 'contact_key'),
            ('contactListId', "'" ~ list_id ~ "'"),
            ('data', json_build_object([
                (phone_column, 'phone_e164'),
                ('CrmContactId', "coalesce(crm_contact_id, '')"),
                ('PropensityTier', "coalesce(propensity_tier, '')"),
                ('PropensityScore', "coalesce(cast(" ~ round_double('propensity_score', 4) ~ " as " ~ dbt.type_string() ~ "), '')"),
                ('QueuePriority', "coalesce(cast(queue_priority as " ~ dbt.type_string() ~ "), '')"),
                ('PreferredChannel', "coalesce(preferred_channel, '')"),
                ('Timezone', "coalesce(timezone, '')"),
                ('WindowStartHour', "coalesce(cast(window_start_hour as " ~ dbt.type_string() ~ "), '')"),
                ('WindowEndHour', "coalesce(cast(window_end_hour as " ~ dbt.type_string() ~ "), '')"),
            ])),
            ('callable', 'is_eligible'),
            ('phoneNumberStatus', json_build_object([
                (phone_column, json_build_object([('callable', 'is_eligible')])),
            ])),
        ]) }} as {{ dbt.type_string() }}) as payload
    from contacts
),

final as (
    select
        contact_key as export_key,
        contact_key,
        is_eligible as is_callable,
        'POST' as request_method,
        '/api/v2/outbound/contactlists/{{ var("export_outbound_contact_list_id") }}/contacts' as request_path,
        payload,
        {{ md5_hex("'POST /api/v2/outbound/contactlists/" ~ var('export_outbound_contact_list_id')
                   ~ "/contacts ' || payload") }} as payload_hash
    from payloads
)

select * from final
