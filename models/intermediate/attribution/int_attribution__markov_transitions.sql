{%- set order = var('attribution_markov_order') %}

with

path_steps as (

    select * from {{ ref('int_attribution__path_steps') }}

),

windows as (

    {{ attribution_markov_states('path_steps', order) }}

),

-- a window equal to the one before it is not a new state
states as (

    select
        path_id,
        is_converting,
        step_position,
        state,
        lag(state) over (partition by path_id order by step_position) as previous_state
    from windows

),

state_sequence as (

    select
        path_id,
        is_converting,
        state,
        row_number() over (partition by path_id order by step_position) as state_position,
        row_number() over (partition by path_id order by step_position desc) as states_from_end
    from states
    where previous_state is null or previous_state != state

),

moves as (

    select
        coalesce(
            lag(state) over (partition by path_id order by state_position), '(start)'
        ) as from_state,
        state as to_state
    from state_sequence

    union all

    select
        state as from_state,
        case when is_converting then '(conversion)' else '(null)' end as to_state
    from state_sequence
    where states_from_end = 1

),

final as (

    select
        from_state,
        to_state,
        count(*) as transitions,
        cast(count(*) as double) / sum(count(*)) over (partition by from_state) as transition_probability
    from moves
    group by from_state, to_state

)

select * from final
