with

transitions as (

    select * from {{ ref('int_attribution__markov_transitions') }}

),

state_channels as (

    select * from {{ ref('int_attribution__markov_state_channels') }}

),

paths as (

    select * from {{ ref('int_attribution__paths') }}

),

scenarios as (

    select '(full)' as scenario
    union all
    select distinct channel as scenario from state_channels

),

-- a state holding the removed channel leads to null: it is no from_state and edges into it are dropped
removed_states as (

    select
        channel as scenario,
        state
    from state_channels

),

scenario_transitions as (

    select
        scenarios.scenario,
        transitions.from_state,
        transitions.to_state,
        transitions.transition_probability
    from scenarios
    cross join transitions
    where
        not exists (
            select 1 from removed_states
            where
                removed_states.scenario = scenarios.scenario
                and removed_states.state in (transitions.from_state, transitions.to_state)
        )

),

-- chain_edges is read inside absorption_probabilities
chain_edges as (  -- noqa: ST03

    select
        scenario,
        from_state,
        to_state,
        transition_probability as probability,
        cast(0 as double) as absorb_probability
    from scenario_transitions
    where to_state not in ('(conversion)', '(null)')

    union all

    select
        scenario,
        from_state,
        from_state as to_state,
        cast(0 as double) as probability,
        sum(case when to_state = '(conversion)' then transition_probability else 0 end) as absorb_probability
    from scenario_transitions
    group by scenario, from_state

),

-- sqlfluff cannot parse DuckDB's recursive `using key` CTE
-- noqa: disable=PRS
absorption as (

    {{ absorption_probabilities('chain_edges', var('attribution_markov_tolerance'),
                                var('attribution_markov_max_iterations')) }}

),
-- noqa: enable=PRS

start_probabilities as (

    select
        scenarios.scenario,
        coalesce(absorption.reach_probability, 0) as conversion_probability,
        absorption.iteration
    from scenarios
    left join absorption
        on
            scenarios.scenario = absorption.scenario
            and absorption.state = '(start)'

),

removal_effects as (

    select
        removed.scenario as channel,
        full_chain.conversion_probability as full_conversion_probability,
        removed.conversion_probability as removed_conversion_probability,
        case
            when full_chain.conversion_probability > 0
                then 1 - removed.conversion_probability / full_chain.conversion_probability
            else 0
        end as removal_effect,
        full_chain.iteration as iterations
    from start_probabilities as removed
    cross join start_probabilities as full_chain
    where
        removed.scenario != '(full)'
        and full_chain.scenario = '(full)'

),

totals as (

    select
        sum(case when is_converting then 1 else 0 end) as total_conversions,
        cast(sum(conversion_value) as double) as total_conversion_value
    from paths

),

final as (

    select
        removal_effects.channel,
        removal_effects.full_conversion_probability,
        removal_effects.removed_conversion_probability,
        removal_effects.removal_effect,
        removal_effects.removal_effect / nullif(sum(removal_effects.removal_effect) over (), 0) as credit_share,
        coalesce(
            totals.total_conversions * removal_effects.removal_effect
            / nullif(sum(removal_effects.removal_effect) over (), 0), 0
        ) as conversions_credited,
        coalesce(
            totals.total_conversion_value * removal_effects.removal_effect
            / nullif(sum(removal_effects.removal_effect) over (), 0), 0
        ) as conversion_value_credited,
        removal_effects.iterations
    from removal_effects
    cross join totals

)

select * from final
