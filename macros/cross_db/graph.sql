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
