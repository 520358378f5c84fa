{%- set order = var('attribution_markov_order') %}

with

path_steps as (

    select * from {{ ref('int_attribution__path_steps') }}

),

states as (

    {{ attribution_markov_states('path_steps', order) }}

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
