{#-
    Absorption probabilities of absorbing Markov chains, several at once: a subquery (use it as a CTE body)
    giving one row per (scenario, state) with reach_probability = P(the chain ends in the absorbing state
    of interest | it is in `state`). `edges` is a relation with scenario, from_state, to_state (transient
    states only), probability, plus, once per (scenario, from_state), a row to_state = from_state with
    probability 0 and absorb_probability = P(from_state → the absorbing state) (absorb_probability 0 on the
    other rows). Value iteration x ← b + P·x from x = 0: it increases monotonically to the fixed point and
    stops by itself when no value changed by `tolerance` or more in the last pass (`max_iterations` is only
    a safety cap), never after a fixed small number of passes.
-#}
{% macro absorption_probabilities(edges, tolerance, max_iterations) -%}
    {{ return(adapter.dispatch('absorption_probabilities', 'cx_analytics')(edges, tolerance, max_iterations)) }}
{%- endmacro %}

{#- DuckDB: `using key` keeps only the latest pass of each (scenario, state) instead of every pass. -#}
{% macro duckdb__absorption_probabilities(edges, tolerance, max_iterations) -%}
    with recursive absorption (scenario, state, reach_probability, iteration, max_change) using key (scenario, state) as (
        {{ _absorption_start(edges) }}
        union
        {{ _absorption_pass(edges, tolerance, max_iterations) }}
    )

    select
        scenario,
        state,
        reach_probability,
        iteration,
        max_change
    from absorption
{%- endmacro %}

{#- Portable: every pass is kept (union all); the last pass holds the result. -#}
{% macro default__absorption_probabilities(edges, tolerance, max_iterations) -%}
    with recursive absorption (scenario, state, reach_probability, iteration, max_change) as (
        {{ _absorption_start(edges) }}
        union all
        {{ _absorption_pass(edges, tolerance, max_iterations) }}
    ),

    last_pass as (
        select max(iteration) as iteration from absorption
    )

    select
        absorption.scenario,
        absorption.state,
        absorption.reach_probability,
        absorption.iteration,
        absorption.max_change
    from absorption
    inner join last_pass
        on absorption.iteration = last_pass.iteration
{%- endmacro %}

{#- every transient state at probability 0 before the first pass -#}
{% macro _absorption_start(edges) -%}
        select distinct
            scenario,
            from_state as state,
            cast(0 as double) as reach_probability,
            0 as iteration,
            cast(1 as double) as max_change
        from {{ edges }}
{%- endmacro %}

{% macro _absorption_pass(edges, tolerance, max_iterations) -%}
        select
            scenario,
            state,
            reach_probability,
            iteration,
            max(abs(reach_probability - previous_probability)) over () as max_change
        from (
            select
                chain_edges.scenario,
                chain_edges.from_state as state,
                sum(chain_edges.absorb_probability + chain_edges.probability * absorption.reach_probability)
                    as reach_probability,
                max(case when chain_edges.to_state = chain_edges.from_state then absorption.reach_probability end)
                    as previous_probability,
                max(absorption.iteration) + 1 as iteration
            from absorption
            inner join {{ edges }} as chain_edges
                on
                    absorption.scenario = chain_edges.scenario
                    and absorption.state = chain_edges.to_state
            where
                absorption.max_change >= {{ tolerance }}
                and absorption.iteration < {{ max_iterations }}
            group by chain_edges.scenario, chain_edges.from_state
        ) as pass
{%- endmacro %}
