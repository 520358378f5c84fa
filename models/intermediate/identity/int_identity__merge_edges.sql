{#- Longer than 200 lines: the household-guard release reads the pair scores, the records and the comparison
    levels around each held pair, and decides edges with the reviewers' decisions in one step. -#}
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

comparison_levels as (

    select * from {{ ref('int_identity__comparison_levels') }}

),

-- the levels are keyed by pair_id
candidate_pairs as (

    select * from {{ ref('int_identity__candidate_pairs') }}

),

-- The household guard holds pairs with no first-name or anchor agreement (a partner sharing surname, phone and
-- address looks exactly like that). When one of the two records has no first name at all, the guard cannot tell a
-- household member from the same person; the record's other partners can: if every record scored at least at
-- review with the nameless record carries the same first name (nickname-canonical, one typo or phonetic code),
-- there is only one person it can be (a household would show a second first name among them). Released only
-- above the auto-merge threshold and when no anchor comparison (email, account id, birth date) disagrees.
guard_held as (

    select
        pair_key,
        left_record_key,
        right_record_key
    from pair_scores
    where
        {{ 'true' if var('identity_release_nameless_guard_pairs') else 'false' }}
        and decision_reason = 'household_guard'
        and match_probability >= {{ var('identity_auto_merge_threshold') }}

),

-- each held pair both ways round
guard_held_oriented as (

    select
        pair_key,
        left_record_key as first_key,
        right_record_key as second_key
    from guard_held
    union all
    select
        pair_key,
        right_record_key as first_key,
        left_record_key as second_key
    from guard_held

),

-- each held pair as (the record without a first name, the record with one)
nameless_pairs as (

    select
        guard_held_oriented.pair_key,
        guard_held_oriented.first_key as nameless_key,
        guard_held_oriented.second_key as named_key
    from guard_held_oriented
    inner join records as nameless
        on guard_held_oriented.first_key = nameless.customer_record_key
    inner join records as named
        on guard_held_oriented.second_key = named.customer_record_key
    where nameless.first_name is null and named.first_name is not null

),

scored_partners as (

    select
        left_record_key as record_key,
        right_record_key as partner_key
    from pair_scores
    where match_probability >= {{ var('identity_review_threshold') }}
    union all
    select
        right_record_key as record_key,
        left_record_key as partner_key
    from pair_scores
    where match_probability >= {{ var('identity_review_threshold') }}

),

-- a partner of the nameless record with another first name
first_name_conflicts as (

    select distinct nameless_pairs.pair_key
    from nameless_pairs
    inner join records as named
        on nameless_pairs.named_key = named.customer_record_key
    inner join scored_partners
        on nameless_pairs.nameless_key = scored_partners.record_key
    inner join records as partner
        on scored_partners.partner_key = partner.customer_record_key
    where
        partner.first_name is not null
        and partner.first_name_canonical <> named.first_name_canonical
        and {{ damerau_levenshtein('partner.first_name', 'named.first_name') }} > 1
        and coalesce(partner.first_name_phonetic <> named.first_name_phonetic, true)

),

anchor_conflicts as (

    select distinct nameless_pairs.pair_key
    from nameless_pairs
    inner join candidate_pairs
        on nameless_pairs.pair_key = candidate_pairs.pair_key
    inner join comparison_levels
        on candidate_pairs.pair_id = comparison_levels.pair_id
    where
        comparison_levels.comparison in ({{ "'" ~ var('identity_anchor_comparisons') | join("', '") ~ "'" }})
        and comparison_levels.level_name = 'disagree'

),

released_pairs as (

    select distinct nameless_pairs.pair_key
    from nameless_pairs
    left join first_name_conflicts
        on nameless_pairs.pair_key = first_name_conflicts.pair_key
    left join anchor_conflicts
        on nameless_pairs.pair_key = anchor_conflicts.pair_key
    where first_name_conflicts.pair_key is null and anchor_conflicts.pair_key is null

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
    left join released_pairs
        on pair_scores.pair_key = released_pairs.pair_key
    full outer join latest_reviews
        on pair_scores.pair_key = latest_reviews.pair_key
    where
        (
            (pair_scores.score_decision = 'auto_merge' or released_pairs.pair_key is not null)
            and latest_reviews.decision is null
        )
        or latest_reviews.decision = 'merge'

)

select * from final
