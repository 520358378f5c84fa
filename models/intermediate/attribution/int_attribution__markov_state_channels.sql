{%- set order = var('attribution_markov_order') %}

with

path_steps as (

    select * from {{ ref('int_attribution__path_steps') }}

),

windows as (

    select
        path_id,
        step_position,
        count(*) over (partition by path_id) as path_length,
        concat_ws(
            ' > '
            {%- for back in range(order - 1, 0, -1) %},
            lag(step, {{ back }}) over (partition by path_id order by step_position)
            {%- endfor %},
            step
        ) as state
    from path_steps

),

states as (

    select
        path_id,
        step_position,
        state
    from windows
    where step_position >= least({{ order }}, path_length)

),

final as (

    select distinct
        states.state,
        path_steps.step_channel as channel
    from states
    inner join path_steps
        on
            states.path_id = path_steps.path_id
            and states.step_position >= path_steps.step_position
            and states.step_position - {{ order }} < path_steps.step_position

)

select * from final
