with

pair_scores as (

    select * from {{ ref('int_identity__pair_scores') }}

),

records as (

    select * from {{ ref('int_identity__records') }}

),

clusters as (

    select * from {{ ref('int_identity__clusters') }}

),

review_decisions as (

    select * from {{ ref('identity_review_decisions') }}

),

reviewed_records as (

    select
        left_source_system || '|' || left_source_record_id as left_id,
        right_source_system || '|' || right_source_record_id as right_id
    from review_decisions

),

pending as (

    select pair_scores.*
    from pair_scores
    inner join clusters as left_clusters
        on pair_scores.left_record_key = left_clusters.customer_record_key
    inner join clusters as right_clusters
        on pair_scores.right_record_key = right_clusters.customer_record_key
    where
        pair_scores.score_decision = 'review'
        and left_clusters.customer_key <> right_clusters.customer_key

),

final as (

    select
        pending.pair_key,
        pending.match_probability,
        pending.match_weight,
        pending.blocking_rules,
        pending.agreeing_comparisons,
        pending.disagreeing_comparisons,
        pending.explanation,
        pending.left_record_key,
        left_records.source_system as left_source_system,
        left_records.source_record_id as left_source_record_id,
        left_records.first_name as left_first_name,
        left_records.last_name as left_last_name,
        left_records.email as left_email,
        left_records.phone_e164 as left_phone_e164,
        left_records.date_of_birth as left_date_of_birth,
        left_records.street as left_street,
        left_records.postcode as left_postcode,
        left_records.account_id as left_account_id,
        pending.right_record_key,
        right_records.source_system as right_source_system,
        right_records.source_record_id as right_source_record_id,
        right_records.first_name as right_first_name,
        right_records.last_name as right_last_name,
        right_records.email as right_email,
        right_records.phone_e164 as right_phone_e164,
        right_records.date_of_birth as right_date_of_birth,
        right_records.street as right_street,
        right_records.postcode as right_postcode,
        right_records.account_id as right_account_id
    from pending
    inner join records as left_records
        on pending.left_record_key = left_records.customer_record_key
    inner join records as right_records
        on pending.right_record_key = right_records.customer_record_key
    left join reviewed_records
        on
            (
                reviewed_records.left_id = left_records.source_system || '|' || left_records.source_record_id
                and reviewed_records.right_id = right_records.source_system || '|' || right_records.source_record_id
            )
            or (
                reviewed_records.left_id = right_records.source_system || '|' || right_records.source_record_id
                and reviewed_records.right_id = left_records.source_system || '|' || left_records.source_record_id
            )
    where reviewed_records.left_id is null

)

select * from final
