with

assignments as (

    select * from {{ ref('int_identity__key_assignments') }}

),

moves as (

    select
        assigned_at,
        previous_customer_key,
        customer_key,
        count(*) as records_moved
    from assignments
    where previous_customer_key is not null
    group by assigned_at, previous_customer_key, customer_key

),

-- each record's key as of each build: its latest assignment at or before that build
builds as (

    select distinct assigned_at from moves

),

state_at_build as (

    select
        builds.assigned_at as build_at,
        assignments.customer_record_key,
        assignments.customer_key,
        row_number() over (
            partition by builds.assigned_at, assignments.customer_record_key
            order by assignments.assigned_at desc
        ) as state_rank
    from builds
    inner join assignments
        on builds.assigned_at >= assignments.assigned_at

),

surviving_keys as (

    select distinct
        build_at,
        customer_key
    from state_at_build
    where state_rank = 1

),

final as (

    select
        {{ surrogate_key(['moves.assigned_at', 'moves.previous_customer_key', 'moves.customer_key']) }} as event_key,
        moves.assigned_at as event_at,
        case when surviving_keys.customer_key is null then 'merged_into' else 'split_from' end as event_type,
        moves.previous_customer_key,
        moves.customer_key,
        moves.records_moved
    from moves
    left join surviving_keys
        on
            moves.assigned_at = surviving_keys.build_at
            and moves.previous_customer_key = surviving_keys.customer_key

)

select * from final
