{#- Longer than 200 lines: the conflict-cut rounds are unrolled (var identity_conflict_cut_rounds) and each reads
    the previous round's components; they are one job, the clusters. -#}
{%- set rounds = var('identity_conflict_cut_rounds') | int -%}

{#- Rounds are staged CTEs (macros/cross_db/staged_ctes.sql): each reads the previous round's components more
    than once, which Spark would inline into a plan doubling per round. -#}
{%- set ctes = [] %}

with

{% call cte_group(ctes) %}
records as (

    select * from {{ ref('int_identity__records') }}

),

first_seen as (

    select * from {{ ref('int_identity__record_first_seen') }}

),

merge_edges as (

    select * from {{ ref('int_identity__merge_edges') }}

),

-- pairs scored at least as likely as the review threshold: their two records were compared directly
-- and their birth dates already weighed in the score
vouched_pairs as (

    select
        left_record_key,
        right_record_key
    from {{ ref('int_identity__pair_scores') }}
    where match_probability >= {{ var('identity_review_threshold') }}

),

-- nodes is read inside connected_components
nodes as (  -- noqa: ST03

    select customer_record_key as node_key
    from records

),

edges_0 as (

    select
        left_record_key,
        right_record_key,
        -- reviewer merges are human-verified: cut only after every scored edge
        case when match_method = 'review_decision' then 2.0 else match_probability end as edge_strength
    from merge_edges

),
{% endcall %}
-- sqlfluff cannot parse the recursive `using key` CTE and then misreads this loop's indentation
-- noqa: disable=LT02
{%- for r in range(rounds + 1) %}
{%- if r > 0 %}
{% call cte_group(ctes) %}
-- round {{ r }} recomputes only the components that held two dates of birth (the others cannot change)
nodes_{{ r }} as (  -- noqa: ST03
    select components_{{ r - 1 }}.node_key
    from components_{{ r - 1 }}
    inner join conflicted_{{ r - 1 }}
        on components_{{ r - 1 }}.component_key = conflicted_{{ r - 1 }}.component_key
),
{% endcall %}
{%- endif %}
{% call cte_group(ctes) %}
directed_edges_{{ r }} as (
    select
        left_record_key as from_key,
        right_record_key as to_key
    from edges_{{ r }}
    union all
    select
        right_record_key as from_key,
        left_record_key as to_key
    from edges_{{ r }}
),
{% endcall %}
{%- if r == 0 %}
{% call staged_cte(ctes, 'components_0') %}
    {{ connected_components('nodes', 'directed_edges_0') }}
{% endcall %}
{%- else %}
{% call staged_cte(ctes, 'recomputed_' ~ r) %}
    {{ connected_components('nodes_' ~ r, 'directed_edges_' ~ r) }}
{% endcall %}
{% call staged_cte(ctes, 'components_' ~ r) %}
    select
        node_key,
        component_key
    from recomputed_{{ r }}
    union all
    select
        components_{{ r - 1 }}.node_key,
        components_{{ r - 1 }}.component_key
    from components_{{ r - 1 }}
    left join conflicted_{{ r - 1 }}
        on components_{{ r - 1 }}.component_key = conflicted_{{ r - 1 }}.component_key
    where conflicted_{{ r - 1 }}.component_key is null
{% endcall %}
{%- endif %}

-- from round 1 on only the recomputed components can hold a conflict, and edges_{r} holds all their edges
{%- set checked = 'components_0' if r == 0 else 'recomputed_' ~ r %}
{% call cte_group(ctes) %}
component_birth_dates_{{ r }} as (
    select
        {{ checked }}.component_key,
        {{ checked }}.node_key,
        records.date_of_birth_text
    from {{ checked }}
    inner join records
        on {{ checked }}.node_key = records.customer_record_key
    where records.date_of_birth_text is not null
),
{% endcall %}

-- two records joined only through others whose birth dates one typo cannot explain
-- (birth_dates_compatible); a pair merged directly, or scored at least at the review threshold, was
-- compared on its dates already
{% call staged_cte(ctes, 'conflicted_' ~ r) %}
    select distinct left_dates.component_key
    from component_birth_dates_{{ r }} as left_dates
    inner join component_birth_dates_{{ r }} as right_dates
        on
            left_dates.component_key = right_dates.component_key
            and left_dates.node_key < right_dates.node_key
            and left_dates.date_of_birth_text <> right_dates.date_of_birth_text
    left join edges_{{ r }} as direct_edges
        on
            left_dates.node_key = direct_edges.left_record_key
            and right_dates.node_key = direct_edges.right_record_key
    left join vouched_pairs
        on
            left_dates.node_key = vouched_pairs.left_record_key
            and right_dates.node_key = vouched_pairs.right_record_key
    where
        direct_edges.left_record_key is null
        and vouched_pairs.left_record_key is null
        and not {{ birth_dates_compatible('left_dates.date_of_birth_text', 'right_dates.date_of_birth_text') }}
{% endcall %}
{%- if r < rounds %}
{% call cte_group(ctes) %}
component_edges_{{ r }} as (
    select
        edges_{{ r }}.left_record_key,
        edges_{{ r }}.right_record_key,
        edges_{{ r }}.edge_strength,
        conflicted_{{ r }}.component_key
    from edges_{{ r }}
    inner join components_{{ r }}
        on edges_{{ r }}.left_record_key = components_{{ r }}.node_key
    inner join conflicted_{{ r }}
        on components_{{ r }}.component_key = conflicted_{{ r }}.component_key
),

weakest_strengths_{{ r }} as (
    select
        component_key,
        min(edge_strength) as weakest_strength
    from component_edges_{{ r }}
    group by component_key
),

weakest_edges_{{ r }} as (
    select
        component_edges_{{ r }}.left_record_key,
        component_edges_{{ r }}.right_record_key
    from component_edges_{{ r }}
    inner join weakest_strengths_{{ r }}
        on
            component_edges_{{ r }}.component_key = weakest_strengths_{{ r }}.component_key
            and component_edges_{{ r }}.edge_strength = weakest_strengths_{{ r }}.weakest_strength
),
{% endcall %}

-- the edges left inside the conflicted components (the only ones the next round reads)
{% call staged_cte(ctes, 'edges_' ~ (r + 1)) %}
    select
        component_edges_{{ r }}.left_record_key,
        component_edges_{{ r }}.right_record_key,
        component_edges_{{ r }}.edge_strength
    from component_edges_{{ r }}
    left join weakest_edges_{{ r }}
        on
            component_edges_{{ r }}.left_record_key = weakest_edges_{{ r }}.left_record_key
            and component_edges_{{ r }}.right_record_key = weakest_edges_{{ r }}.right_record_key
    where weakest_edges_{{ r }}.left_record_key is null
{% endcall %}
{%- endif %}
{%- endfor %}
-- noqa: enable=all

components as (

    select
        components_{{ rounds }}.node_key as customer_record_key,
        components_{{ rounds }}.component_key,
        conflicted_{{ rounds }}.component_key is not null as has_dob_conflict
    from components_{{ rounds }}
    left join conflicted_{{ rounds }}
        on components_{{ rounds }}.component_key = conflicted_{{ rounds }}.component_key

),

anchored as (

    select
        components.customer_record_key,
        components.component_key,
        components.has_dob_conflict,
        first_value(components.customer_record_key) over (
            partition by components.component_key
            order by first_seen.first_seen_at, components.customer_record_key
        ) as anchor_record_key,
        count(*) over (partition by components.component_key) as cluster_size
    from components
    left join first_seen
        on components.customer_record_key = first_seen.customer_record_key

),

final as (

    select
        anchored.customer_record_key,
        anchored.anchor_record_key,
        {{ surrogate_key(["'customer'", 'anchored.anchor_record_key']) }} as customer_key,
        anchored.cluster_size,
        anchored.has_dob_conflict
    from anchored

)

select * from final
