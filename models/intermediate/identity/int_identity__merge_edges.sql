with

pair_scores as (

    select * from {{ ref('int_identity__pair_scores') }}

),

records as (

    select * from {{ ref('int_identity__records') }}

),

review_decisions as (

    select * from {{ ref('identity_review_decisions') }}

),

-- a reviewer's pair, its records found by source ids and put in key order
reviewed_pairs as (

    select
        case
            when left_records.customer_record_key < right_records.customer_record_key
                then left_records.customer_record_key
            else right_records.customer_record_key
        end as left_record_key,
        case
            when left_records.customer_record_key < right_records.customer_record_key
                then right_records.customer_record_key
            else left_records.customer_record_key
        end as right_record_key,
        review_decisions.decision,
        review_decisions.reviewed_at
    from review_decisions
    inner join records as left_records
        on
            review_decisions.left_source_system = left_records.source_system
            and review_decisions.left_source_record_id = left_records.source_record_id
    inner join records as right_records
        on
            review_decisions.right_source_system = right_records.source_system
            and review_decisions.right_source_record_id = right_records.source_record_id
    where left_records.customer_record_key <> right_records.customer_record_key

),

-- the latest decision per pair wins when a pair was reviewed twice
latest_reviews as (

    select
        {{ surrogate_key(['left_record_key', 'right_record_key']) }} as pair_key,
        left_record_key,
        right_record_key,
        decision
    from (
        select
            reviewed_pairs.*,
            row_number() over (
                partition by reviewed_pairs.left_record_key, reviewed_pairs.right_record_key
                order by reviewed_pairs.reviewed_at desc nulls last, reviewed_pairs.decision asc
            ) as review_rank
        from reviewed_pairs
    ) as ranked_reviews
    where review_rank = 1

),

final as (

    select
        coalesce(pair_scores.pair_key, latest_reviews.pair_key) as pair_key,
        coalesce(pair_scores.left_record_key, latest_reviews.left_record_key) as left_record_key,
        coalesce(pair_scores.right_record_key, latest_reviews.right_record_key) as right_record_key,
        pair_scores.match_probability,
        case
            when latest_reviews.decision = 'merge' then 'review_decision'
            else 'auto_merge'
        end as match_method,
        latest_reviews.decision as review_decision
    from pair_scores
    full outer join latest_reviews
        on pair_scores.pair_key = latest_reviews.pair_key
    where
        (pair_scores.score_decision = 'auto_merge' and latest_reviews.decision is null)
        or latest_reviews.decision = 'merge'

)

select * from final
