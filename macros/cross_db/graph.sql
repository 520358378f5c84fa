{#-
    Exact connected components: a subquery (use it as a CTE body) giving one row per node with
    component_key = the smallest node_key reachable from it. `nodes` is a relation with node_key, `edges`
    a relation with from_key, to_key holding every edge in both directions. Labels propagate until no
    label changes (recursion ends by itself), never a fixed number of passes.
-#}
{% macro connected_components(nodes, edges) -%}
    {{ return(adapter.dispatch('connected_components', 'cx_analytics')(nodes, edges)) }}
{%- endmacro %}

{#-
    DuckDB: `using key` keeps one row per node (the current label) instead of every (node, label) ever
    derived; each step only revisits neighbours of nodes whose label just dropped.
-#}
{% macro duckdb__connected_components(nodes, edges) -%}
    with recursive cc_labels (node_key, component_key) using key (node_key) as (
        select
            {{ nodes }}.node_key,
            {{ nodes }}.node_key as component_key
        from {{ nodes }}
        union
        select
            cc_edges.to_key as node_key,
            min(cc_labels.component_key) as component_key
        from cc_labels
        inner join {{ edges }} as cc_edges
            on cc_labels.node_key = cc_edges.from_key
        inner join recurring.cc_labels as cc_current
            on cc_edges.to_key = cc_current.node_key
        where cc_labels.component_key < cc_current.component_key
        group by cc_edges.to_key
    )

    select
        node_key,
        component_key
    from cc_labels
{%- endmacro %}

{#- Portable: transitive closure with union (deduplicating, so it ends), then the smallest reachable key. -#}
{% macro default__connected_components(nodes, edges) -%}
    with recursive cc_reach (node_key, reached_key) as (
        select
            {{ nodes }}.node_key,
            {{ nodes }}.node_key as reached_key
        from {{ nodes }}
        union
        select
            cc_reach.node_key,
            cc_edges.to_key as reached_key
        from cc_reach
        inner join {{ edges }} as cc_edges
            on cc_reach.reached_key = cc_edges.from_key
    )

    select
        node_key,
        min(reached_key) as component_key
    from cc_reach
    group by node_key
{%- endmacro %}


{#-
    Spark (4.1+ recursive CTEs allow neither an aggregate nor a second reference to the recursive relation, so
    the DuckDB and portable forms cannot run): the whole graph is one row, every node an index (in node_key
    order, so the smallest index is the smallest key) with the array of its neighbours' indexes. Each step sets
    a node's label to the smallest label among itself and its neighbours, then to its label's label (a
    component's labels only ever point inside it); the recursion stops at the first step that changes nothing,
    which gives the same labels as DuckDB's: the smallest node_key reachable.
-#}
{% macro spark__connected_components(nodes, edges) -%}
    with recursive cc_index as (
        select
            node_key,
            cast(row_number() over (order by node_key) as int) as node_index
        from (select distinct node_key from {{ nodes }}) as cc_distinct
    ),

    cc_adjacency as (
        select
            cc_index.node_index,
            collect_list(cc_to.node_index) as neighbours
        from cc_index
        left join {{ edges }} as cc_edges
            on cc_index.node_key = cc_edges.from_key
        left join cc_index as cc_to
            on cc_edges.to_key = cc_to.node_key
        group by cc_index.node_index
    ),

    cc_graph as (
        select
            transform(
                array_sort(collect_list(named_struct('i', node_index, 'n', neighbours))), cc_node -> cc_node.n
            ) as adjacency
        from cc_adjacency
    ),

    -- the adjacency travels in the recursive row: a join with cc_graph in the recursive step would compute it
    -- (and everything it reads) again on every step
    cc_labels (iteration, labels, changed, adjacency) as (
        select
            0,
            transform(adjacency, (cc_n, cc_i) -> cc_i + 1),
            true,
            adjacency
        from cc_graph
        union all
        select
            iteration + 1,
            jumped,
            jumped <> labels,
            adjacency
        from (
            select
                cc_step.iteration,
                cc_step.labels,
                cc_step.adjacency,
                transform(cc_step.lowered, cc_l -> element_at(cc_step.lowered, cc_l)) as jumped
            from (
                select
                    cc_labels.iteration,
                    cc_labels.labels,
                    cc_labels.adjacency,
                    transform(
                        cc_labels.adjacency,
                        (cc_n, cc_i) -> least(
                            element_at(cc_labels.labels, cc_i + 1),
                            coalesce(array_min(transform(cc_n, cc_j -> element_at(cc_labels.labels, cc_j))),
                                element_at(cc_labels.labels, cc_i + 1))
                        )
                    ) as lowered
                from cc_labels
                where cc_labels.changed
            ) as cc_step
        ) as cc_next
    ),

    cc_final as (
        select posexplode(labels) as (cc_position, cc_label)
        from cc_labels
        where not changed
    )

    select
        cc_node.node_key,
        cc_component.node_key as component_key
    from cc_final
    inner join cc_index as cc_node
        on cc_final.cc_position + 1 = cc_node.node_index
    inner join cc_index as cc_component
        on cc_final.cc_label = cc_component.node_index
{%- endmacro %}
