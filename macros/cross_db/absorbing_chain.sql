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


{#-
    Spark: its recursive CTEs allow no aggregate over the recursive relation, so the chain is one row: every
    (scenario, state) an index in order, with its terms (to_state's index, probability, absorb_probability), and
    each step computes every state's sum of absorb_probability + probability · x[to_state] with higher-order
    functions. The passes, the global stopping rule (largest change below `tolerance`, or `max_iterations`) and
    so the result are DuckDB's.
-#}
{% macro spark__absorption_probabilities(edges, tolerance, max_iterations) -%}
    with recursive chain_states as (
        select
            scenario,
            from_state as state,
            cast(row_number() over (order by scenario, from_state) as int) as state_index
        from (select distinct scenario, from_state from {{ edges }}) as distinct_states
    ),

    chain_terms as (
        select
            chain_from.state_index,
            collect_list(named_struct(
                'j', chain_to.state_index,
                'p', cast(chain_edges.probability as double),
                'a', cast(chain_edges.absorb_probability as double)
            )) as terms
        from {{ edges }} as chain_edges
        inner join chain_states as chain_from
            on chain_edges.scenario = chain_from.scenario and chain_edges.from_state = chain_from.state
        inner join chain_states as chain_to
            on chain_edges.scenario = chain_to.scenario and chain_edges.to_state = chain_to.state
        group by chain_from.state_index
    ),

    chain as (
        select
            transform(
                array_sort(collect_list(named_struct('i', chain_states.state_index, 't', chain_terms.terms))),
                chain_state -> coalesce(chain_state.t, array())
            ) as terms,
            count(*) as state_count
        from chain_states
        left join chain_terms on chain_states.state_index = chain_terms.state_index
    ),

    -- the chain's terms travel in the recursive row: a join with `chain` in the recursive step would compute
    -- it (and everything it reads) again on every pass
    absorption_passes (iteration, reach, max_change, terms) as (
        select
            0,
            array_repeat(cast(0 as double), cast(state_count as int)),
            cast(1 as double),
            terms
        from chain
        union all
        select
            iteration + 1,
            next_reach,
            array_max(zip_with(next_reach, reach, (chain_new, chain_old) -> abs(chain_new - chain_old))),
            terms
        from (
            select
                absorption_passes.iteration,
                absorption_passes.reach,
                absorption_passes.terms,
                transform(
                    absorption_passes.terms,
                    chain_t -> aggregate(
                        chain_t, cast(0 as double),
                        (chain_sum, chain_term) -> chain_sum
                            + (chain_term.a + chain_term.p * element_at(absorption_passes.reach, chain_term.j))
                    )
                ) as next_reach
            from absorption_passes
            where
                absorption_passes.max_change >= {{ tolerance }}
                and absorption_passes.iteration < {{ max_iterations }}
        ) as chain_pass
    ),

    last_pass as (
        select
            iteration,
            max_change,
            posexplode(reach) as (chain_position, reach_probability)
        from absorption_passes
        where iteration = (select max(iteration) from absorption_passes)
    )

    select
        chain_states.scenario,
        chain_states.state,
        last_pass.reach_probability,
        last_pass.iteration,
        last_pass.max_change
    from last_pass
    inner join chain_states
        on last_pass.chain_position + 1 = chain_states.state_index
{%- endmacro %}
