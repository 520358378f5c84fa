{#-
    BI-facing golden record without PII. One row per customer (grain: customer_key): names reduced to
    initials, email and phone as SHA-256 hashes (join keys for other hashed data) plus masked displays,
    birth year instead of date of birth, postcode district instead of full postcode.
-#}
with

customers as (

    select * from {{ ref('dim_customers') }}

),

final as (

    select
        customer_key,
        upper(substr(first_name, 1, 1)) as first_name_initial,
        upper(substr(last_name, 1, 1)) as last_name_initial,
        {{ sha256_hex('email') }} as email_sha256,
        case
            when email is not null
                then substr(email, 1, 1) || '***@' || {{ regex_extract('email', '@(.*)$', 1) }}
        end as email_masked,
        {{ sha256_hex('phone_e164') }} as phone_sha256,
        case
            when phone_e164 is not null then '***' || substr(phone_e164, length(phone_e164) - 1, 2)
        end as phone_masked,
        extract(year from date_of_birth) as birth_year,
        substr(postcode, 1, 3) as postcode_prefix,
        city,
        country,
        last_purchase_date,
        source_record_count,
        source_systems,
        has_dob_conflict
    from customers

)

select
    customer_key,
    first_name_initial,
    last_name_initial,
    email_sha256,
    email_masked,
    phone_sha256,
    phone_masked,
    birth_year,
    postcode_prefix,
    city,
    country,
    last_purchase_date,
    source_record_count,
    source_systems,
    has_dob_conflict
from final
