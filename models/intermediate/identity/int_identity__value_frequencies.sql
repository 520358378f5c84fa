{{ config(
    materialized='incremental',
    unique_key=['comparison', 'feature_value'],
    pre_hook="{{ identity_parameters_pre_hook() }}"
) }}
{#- Re-estimated on a schedule (macros/identity/identity_parameters.sql): when not due, this run keeps the stored
    rows. -#}
{#-
    Why −2 (leave-pair-out, as m is estimated leave-one-out): the two compared records are the evidence,
    not a sample of the value's commonness; counting them made every rare name look about twice as common
    as it is (a person's further records still count: u stays an overestimate).
-#}
with

records as (

    select * from {{ ref('int_identity__records') }}

),

value_features as (

    select
        'first_name' as comparison,
        first_name as feature_value
    from records
    where first_name is not null
    union all
    select
        'last_name' as comparison,
        last_name as feature_value
    from records
    where last_name is not null
    union all
    select
        'email' as comparison,
        email as feature_value
    from records
    where email is not null
    union all
    select
        'phone_e164' as comparison,
        phone_e164 as feature_value
    from records
    where phone_e164 is not null
    union all
    select
        'date_of_birth' as comparison,
        date_of_birth_text as feature_value
    from records
    where date_of_birth_text is not null
    union all
    select
        'postcode' as comparison,
        postcode as feature_value
    from records
    where postcode is not null
    union all
    select
        'street' as comparison,
        street as feature_value
    from records
    where street is not null
    union all
    select
        'city' as comparison,
        city as feature_value
    from records
    where city is not null
    union all
    select
        'account_id' as comparison,
        account_id as feature_value
    from records
    where account_id is not null

),

value_counts as (

    select
        comparison,
        feature_value,
        count(*) as value_count
    from value_features
    group by comparison, feature_value

),

counted_values as (

    select
        comparison,
        feature_value,
        value_count,
        sum(value_count) over (partition by comparison) as record_count
    from value_counts

),

final as (

    select
        comparison,
        feature_value,
        value_count,
        record_count,
        greatest(value_count - 2.0, 1.0) / nullif(record_count - 2.0, 0) as term_frequency_u,
        {{ identity_parameters_estimated_at() }} as estimated_at
    from counted_values
    {{- identity_parameters_filter() }}

)

select * from final
