{#-
    Sampled Shapley values for channel sets larger than `max_exact` (a subquery: channel_set, channel,
    shapley_value). For each set T, `permutations` orderings of its channels, each fixed by the hash of
    (T, permutation number, channel), so a rebuild gives the same estimate; a channel's value is the mean
    over the orderings of v(channels before it ∪ {it}) − v(channels before it), v = conversion rate of the
    journeys whose channel set is exactly that (0 when none). `set_channels` has channel_set, channel,
    channel_count; `coalition_values` has channel_set, conversion_rate.
-#}
{% macro attribution_shapley_sampled(set_channels, coalition_values, max_exact, permutations) -%}
    with

    sample_numbers as (
        {{ integer_series_rows(1, permutations, 'permutation') }}
    ),

    ordered as (
        select
            {{ set_channels }}.channel_set,
            {{ set_channels }}.channel,
            sample_numbers.permutation,
            row_number() over (
                partition by {{ set_channels }}.channel_set, sample_numbers.permutation
                order by {{ md5_hex(set_channels ~ ".channel_set || '|' || cast(sample_numbers.permutation as " ~ dbt.type_string() ~ ")"
                                    ~ " || '|' || " ~ set_channels ~ ".channel") }}
            ) as ordering_position
        from {{ set_channels }}
        cross join sample_numbers
        where {{ set_channels }}.channel_count > {{ max_exact }}
    ),

    prefixes as (
        select
            ordered.channel_set,
            ordered.channel,
            ordered.permutation,
            {{ string_agg_ordered('before.channel', ',', 'before.channel') }} as key_with,
            coalesce(
                {{ string_agg_ordered('case when before.ordering_position < ordered.ordering_position '
                                      ~ 'then before.channel end', ',', 'before.channel') }}, ''
            ) as key_without
        from ordered
        inner join ordered as before
            on
                ordered.channel_set = before.channel_set
                and ordered.permutation = before.permutation
                and before.ordering_position <= ordered.ordering_position
        group by ordered.channel_set, ordered.channel, ordered.permutation
    )

    select
        prefixes.channel_set,
        prefixes.channel,
        sum(coalesce(value_with.conversion_rate, 0) - coalesce(value_without.conversion_rate, 0))
        / {{ permutations }} as shapley_value
    from prefixes
    left join {{ coalition_values }} as value_with
        on prefixes.key_with = value_with.channel_set
    left join {{ coalition_values }} as value_without
        on prefixes.key_without = value_without.channel_set
    group by prefixes.channel_set, prefixes.channel
{%- endmacro %}
