{#- Longer than 200 lines: blocking keys, their pairs and the interaction links are one step (candidate generation),
    kept together so the integer ids below survive from key to pair. -#}
{#-
    Performance (large profile): records get an integer id (in key order) for the self-join and the pair
    grouping, a key is built with max(case …) per key position (no ordered string aggregation), and every
    pair gets an integer pair_id that the downstream identity models join and group on instead of pair_key.
-#}
{%- set key_positions = var('identity_blocking_key_positions') | int -%}
{#- the features the seed's rules use: any column of int_identity__records -#}
{%- set features = [] -%}
{%- if execute -%}
    {%- set features = run_query(
        'select distinct feature from ' ~ ref('identity_blocking_rules') ~ ' order by feature'
    ).columns[0].values() | list -%}
{%- endif -%}

with

records as (

    select * from {{ ref('int_identity__records') }}

),

interaction_links as (

    select * from {{ ref('int_identity__interaction_links') }}

),

-- integer record ids in key order: left_record_id < right_record_id ⇔ left_record_key < right_record_key
record_ids as (

    select
        records.*,
        row_number() over (order by records.customer_record_key) as record_id
    from records

),

blocking_rules as (

    select
        rule_name,
        key_position,
        feature,
        max_block_size
    from {{ ref('identity_blocking_rules') }}

),

rule_widths as (

    select
        rule_name,
        count(*) as feature_count,
        coalesce(max(max_block_size), {{ var('identity_max_block_size') }}) as max_block_size
    from blocking_rules
    group by rule_name

),

-- one row per (record, feature) that has a value
record_features as (
    {%- for feature in features %}

        select
            record_ids.record_id,
            '{{ feature }}' as feature,
            cast(record_ids.{{ feature }} as {{ dbt.type_string() }}) as feature_value
        from record_ids
        where record_ids.{{ feature }} is not null
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}

),

record_rule_parts as (

    select
        record_features.record_id,
        blocking_rules.rule_name,
        blocking_rules.key_position,
        record_features.feature_value
    from record_features
    inner join blocking_rules
        on record_features.feature = blocking_rules.feature

),

-- a record gets a rule's key only when it has every feature of the rule
block_keys as (

    select
        record_rule_parts.record_id,
        record_rule_parts.rule_name,
        concat_ws(
            '|',
            {%- for position in range(1, key_positions + 1) %}
                max(case when record_rule_parts.key_position = {{ position }} then record_rule_parts.feature_value end)
                {{- ',' if not loop.last }}
            {%- endfor %}
        ) as block_key
    from record_rule_parts
    inner join rule_widths
        on record_rule_parts.rule_name = rule_widths.rule_name
    group by record_rule_parts.record_id, record_rule_parts.rule_name, rule_widths.feature_count
    having count(*) = rule_widths.feature_count

),

block_sizes as (

    select
        rule_name,
        block_key,
        count(*) as block_size
    from block_keys
    group by rule_name, block_key

),

usable_block_keys as (

    select
        block_keys.record_id,
        block_keys.rule_name,
        block_keys.block_key
    from block_keys
    inner join block_sizes
        on
            block_keys.rule_name = block_sizes.rule_name
            and block_keys.block_key = block_sizes.block_key
    inner join rule_widths
        on block_keys.rule_name = rule_widths.rule_name
    where
        block_sizes.block_size > 1
        and block_sizes.block_size <= rule_widths.max_block_size

),

rule_pairs as (

    select
        left_keys.record_id as left_record_id,
        right_keys.record_id as right_record_id,
        left_keys.rule_name
    from usable_block_keys as left_keys
    inner join usable_block_keys as right_keys
        on
            left_keys.rule_name = right_keys.rule_name
            and left_keys.block_key = right_keys.block_key
            and left_keys.record_id < right_keys.record_id

    union all

    select
        left_ids.record_id as left_record_id,
        right_ids.record_id as right_record_id,
        'interaction_link' as rule_name
    from interaction_links
    inner join record_ids as left_ids
        on interaction_links.left_record_key = left_ids.customer_record_key
    inner join record_ids as right_ids
        on interaction_links.right_record_key = right_ids.customer_record_key

),

id_pairs as (

    select
        left_record_id,
        right_record_id,
        {{ string_agg_ordered('rule_name', ',', 'rule_name') }} as blocking_rules,
        count(*) as blocking_rule_count
    from rule_pairs
    group by left_record_id, right_record_id

),

numbered_pairs as (

    select
        row_number() over (order by id_pairs.left_record_id, id_pairs.right_record_id) as pair_id,
        left_ids.customer_record_key as left_record_key,
        right_ids.customer_record_key as right_record_key,
        id_pairs.blocking_rules,
        id_pairs.blocking_rule_count
    from id_pairs
    inner join record_ids as left_ids
        on id_pairs.left_record_id = left_ids.record_id
    inner join record_ids as right_ids
        on id_pairs.right_record_id = right_ids.record_id

),

final as (

    select
        pair_id,
        {{ surrogate_key(['left_record_key', 'right_record_key']) }} as pair_key,
        left_record_key,
        right_record_key,
        blocking_rules,
        blocking_rule_count
    from numbered_pairs

)

select * from final
