with customers as (
    select * from {{ ref('dim_customers') }}
),

effort as (
    select * from {{ ref('customer_effort_profile') }}
),

engagement_profiles as (
    select * from {{ ref('contact_engagement_profile') }}
),

-- one engagement profile per customer: the highest-scoring contact (normally there is only one)
engagement as (
    select
        customer_key,
        max(propensity_score) as propensity_score,
        {{ max_by('propensity_tier', 'propensity_score') }} as propensity_tier,
        {{ max_by('preferred_channel', 'propensity_score') }} as preferred_channel
    from engagement_profiles
    where customer_key is not null
    group by customer_key
),

-- identifiers held by exactly one golden customer may be used for matching
customer_identifiers as (
    select
        customer_key,
        count(*) over (partition by phone_e164) = 1 and phone_e164 is not null as is_phone_unique,
        count(*) over (partition by email) = 1 and email is not null as is_email_unique,
        count(*) over (partition by account_id) = 1 and account_id is not null as is_account_unique
    from customers
),

identifiable as (
    select
        customers.customer_key,
        customer_identifiers.is_phone_unique,
        customer_identifiers.is_email_unique,
        customer_identifiers.is_account_unique,
        customers.first_name,
        customers.last_name,
        customers.email,
        customers.phone_e164,
        customers.account_id,
        customers.street,
        customers.city,
        customers.postcode,
        customers.country,
        effort.last_ces,
        effort.ces_mean_in_window,
        effort.high_effort_in_window,
        engagement.propensity_score,
        engagement.propensity_tier,
        engagement.preferred_channel
    from customers
    inner join customer_identifiers on customers.customer_key = customer_identifiers.customer_key
    left join effort on customers.customer_key = effort.customer_key
    left join engagement on customers.customer_key = engagement.customer_key
),

payloads as (
    {%- set source = json_build_object([('id', "'" ~ var('export_external_source_id') ~ "'")]) %}
    {%- set golden = json_build_object([('id', "'" ~ var('export_golden_source_id') ~ "'")]) %}
    select
        customer_key,
        cast({{ json_build_object([
            ('matchingIdentifiers', json_array_compact([
                json_build_object([('type', "'ExternalId'"), ('value', 'customer_key'), ('externalSource', golden)]),
                "case when is_phone_unique then " ~ json_build_object([('type', "'Phone'"), ('value', 'phone_e164')]) ~ " end",
                "case when is_email_unique then " ~ json_build_object([('type', "'Email'"), ('value', 'email')]) ~ " end",
                "case when is_account_unique then " ~ json_build_object([
                    ('type', "'ExternalId'"), ('value', 'account_id'), ('externalSource', source)]) ~ " end",
            ])),
            ('action', "'Upsert'"),
            ('contact', json_build_object([
                ('firstName', 'first_name'),
                ('lastName', 'last_name'),
                ('cellPhone', "case when phone_e164 is not null then " ~ json_build_object([('e164', 'phone_e164')]) ~ " end"),
                ('personalEmail', 'email'),
                ('address', json_build_object([
                    ('address1', 'street'), ('city', 'city'), ('postalCode', 'postcode'), ('countryCode', 'country'),
                ])),
                ('externalIds', json_array_compact([
                    json_build_object([('externalSource', golden), ('value', 'customer_key')]),
                    "case when account_id is not null then " ~ json_build_object([
                        ('externalSource', source), ('value', 'account_id')]) ~ " end",
                ])),
                ('schema', json_build_object([
                    ('id', "'" ~ var('export_contact_schema_id') ~ "'"),
                    ('version', var('export_contact_schema_version')),
                ])),
                ('customFields', json_build_object([
                    ('cx_customer_key_text', 'customer_key'),
                    ('cx_ces_last_number', 'last_ces'),
                    ('cx_ces_90d_mean_number', round_double('ces_mean_in_window', 2)),
                    ('cx_high_effort_90d_number', 'high_effort_in_window'),
                    ('cx_propensity_score_number', round_double('propensity_score', 4)),
                    ('cx_propensity_tier_text', 'propensity_tier'),
                    ('cx_preferred_channel_text', 'preferred_channel'),
                ])),
            ])),
        ]) }} as {{ dbt.type_string() }}) as payload
    from identifiable
),

final as (
    select
        customer_key as export_key,
        customer_key,
        'POST' as request_method,
        '/api/v2/externalcontacts/bulk/contacts/enrich' as request_path,
        payload,
        {{ md5_hex("'POST /api/v2/externalcontacts/bulk/contacts/enrich ' || payload") }} as payload_hash
    from payloads
)

select * from final
