{#-
    Customer matching through the identity seam (int_identity__identifier_lookup). A whole select, used as a
    CTE body: `identifiers` is a relation with (event_id, match_priority, identifier_type, identifier_value,
    source_system) — every identifier an event carries, 1 = most trusted; `lookup` the identifier lookup.
    Ambiguous identifiers (shared household phone, family email: is_ambiguous, customer_key null) never
    match. The event takes the customer of its most trusted identifier that matches; between identifiers of
    the same priority the smallest customer_key wins (deterministic). Events without a match are absent.
    Returns event_id, customer_key, customer_match_method (the identifier_type that matched).
-#}
{% macro resolve_customer_key(identifiers, lookup) -%}
    select
        event_id,
        customer_key,
        customer_match_method
    from (
        select
            {{ identifiers }}.event_id,
            {{ lookup }}.customer_key,
            {{ identifiers }}.identifier_type as customer_match_method,
            row_number() over (
                partition by {{ identifiers }}.event_id
                order by {{ identifiers }}.match_priority, {{ lookup }}.customer_key
            ) as match_rank
        from {{ identifiers }}
        inner join {{ lookup }}
            on {{ identifiers }}.identifier_type = {{ lookup }}.identifier_type
            and {{ identifiers }}.identifier_value = {{ lookup }}.identifier_value
            and {{ identifiers }}.source_system = {{ lookup }}.source_system
        where {{ identifiers }}.identifier_value is not null
            and not {{ lookup }}.is_ambiguous
            and {{ lookup }}.customer_key is not null
    ) as ranked_matches
    where match_rank = 1
{%- endmacro %}
