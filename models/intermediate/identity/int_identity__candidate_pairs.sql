{{ config(
    materialized='incremental',
    unique_key='pair_key',
    pre_hook="{% if is_incremental() and not incremental_ready('records_loaded_at') %}{{ delete_rows(this, '1 = 1') }}{% endif %}",
    post_hook="{% if is_incremental() %}{{ delete_rows(this, 'blocking_rule_count = 0') }}{% endif %}"
) }}
{#- Longer than 200 lines: blocking keys, their pairs, the interaction links and the incremental scope are one
    step (candidate generation), kept together so the integer ids below survive from key to pair. -#}
{#-
    Performance (large profile): records get an integer id (in key order) for the self-join and the pair
    grouping, and every pair an integer pair_id (the md5 of its key as a number) that the downstream identity
    models join and group on instead of pair_key.

    Incremental (issue 16): a pair can change only when a block both records share gains or loses a member (its
    size may cross max_block_size), when one of them changed, or when an interaction link appears or goes. So a
    run takes the records landed since the last run (changed), every block key any version of them ever had
    (int_identity__block_keys keeps them: touched blocks), the current members of those blocks and the two ends
    of changed links (affected records), and recomputes exactly the pairs between two affected records. A pair
    that no longer exists is written once as a tombstone (blocking_rule_count 0) so delete+insert removes it; the
    post-hook deletes the tombstone. The result equals a full build. A table from before the watermark column is
    emptied first (pre-hook) and built whole.
-#}
{%- set incremental = incremental_ready('records_loaded_at') %}

with

records as (

    select * from {{ ref('int_identity__records') }}

),

interaction_links as (

    select * from {{ ref('int_identity__interaction_links') }}

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

-- every version's keys; the current ones are those at the record's current landing time
all_block_keys as (

    select * from {{ ref('int_identity__block_keys') }}

),

current_block_keys as (

    select
        all_block_keys.customer_record_key,
        all_block_keys.rule_name,
        all_block_keys.block_key
    from all_block_keys
    inner join records
        on
            all_block_keys.customer_record_key = records.customer_record_key
            and all_block_keys.loaded_at = records.loaded_at

),
{%- if incremental %}

    changed_records as (

        select customer_record_key from records
        where loaded_at > {{ incremental_watermark('records_loaded_at') }}

    ),

    -- every block a changed record is or was in, with how many changed records it holds (at most that many joined
    -- or left it)
    touched_blocks as (

        select
            all_block_keys.rule_name,
            all_block_keys.block_key,
            count(distinct all_block_keys.customer_record_key) as changed_members
        from all_block_keys
        inner join changed_records
            on all_block_keys.customer_record_key = changed_records.customer_record_key
        group by all_block_keys.rule_name, all_block_keys.block_key

    ),

    -- a touched block still over its max_block_size by more than its changed members was over it before this run
    -- too: it paired nobody then and pairs nobody now, so its members are not affected (on large, blocks such as a
    -- common surname's would otherwise make nearly every record affected and every pair recomputed)
    relevant_touched_blocks as (

        select
            touched_blocks.rule_name,
            touched_blocks.block_key
        from touched_blocks
        inner join current_block_keys
            on
                touched_blocks.rule_name = current_block_keys.rule_name
                and touched_blocks.block_key = current_block_keys.block_key
        inner join rule_widths
            on touched_blocks.rule_name = rule_widths.rule_name
        group by
            touched_blocks.rule_name,
            touched_blocks.block_key,
            touched_blocks.changed_members,
            rule_widths.max_block_size
        having count(*) <= rule_widths.max_block_size + touched_blocks.changed_members

    ),

    stored_links as (

        select
            previous.left_record_key,
            previous.right_record_key
        from {{ this }} as previous
        where (',' || previous.blocking_rules || ',') like '%,interaction_link,%'

    ),

    -- links that appeared or went since the last run
    changed_links as (

        (
            select
                left_record_key,
                right_record_key
            from interaction_links
            except
            select
                left_record_key,
                right_record_key
            from stored_links
        )
        union all
        (
            select
                left_record_key,
                right_record_key
            from stored_links
            except
            select
                left_record_key,
                right_record_key
            from interaction_links
        )

    ),

    affected_records as (

        select customer_record_key from changed_records
        union
        select current_block_keys.customer_record_key
        from current_block_keys
        inner join relevant_touched_blocks
            on
                current_block_keys.rule_name = relevant_touched_blocks.rule_name
                and current_block_keys.block_key = relevant_touched_blocks.block_key
        union
        select left_record_key from changed_links
        union
        select right_record_key from changed_links

    ),

    -- the blocks an affected record is in: only their sizes and members matter to the recomputed pairs
    scoped_blocks as (

        select distinct
            current_block_keys.rule_name,
            current_block_keys.block_key
        from current_block_keys
        inner join affected_records
            on current_block_keys.customer_record_key = affected_records.customer_record_key

    ),
{%- endif %}

-- integer record ids in key order: left_record_id < right_record_id ⇔ left_record_key < right_record_key
record_ids as (

    select
        records.customer_record_key,
        records.loaded_at,
        {%- if incremental %}
            records.customer_record_key in (select affected_records.customer_record_key from affected_records)
                as is_affected,
        {%- else %}
            true as is_affected,
        {%- endif %}
        row_number() over (order by records.customer_record_key) as record_id
    from records

),

block_keys as (

    select
        record_ids.record_id,
        record_ids.is_affected,
        current_block_keys.rule_name,
        current_block_keys.block_key
    from current_block_keys
    inner join record_ids
        on current_block_keys.customer_record_key = record_ids.customer_record_key
    {%- if incremental %}
        -- a join, not `where exists`: DuckDB hashed all 35 M keys for the semi-join (12 s on a quiet night)
        inner join scoped_blocks
            on
                current_block_keys.rule_name = scoped_blocks.rule_name
                and current_block_keys.block_key = scoped_blocks.block_key
    {%- endif %}

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
        -- every member counts towards the size; only affected records are paired (a pair between an affected and
        -- an unaffected record is unchanged)
        and block_keys.is_affected

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
    where left_ids.is_affected and right_ids.is_affected

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

pairs as (

    select
        left_ids.customer_record_key as left_record_key,
        right_ids.customer_record_key as right_record_key,
        id_pairs.blocking_rules,
        id_pairs.blocking_rule_count,
        greatest(left_ids.loaded_at, right_ids.loaded_at) as records_loaded_at
    from id_pairs
    inner join record_ids as left_ids
        on id_pairs.left_record_id = left_ids.record_id
    inner join record_ids as right_ids
        on id_pairs.right_record_id = right_ids.record_id
    {%- if incremental %}

        union all

        -- tombstones: stored pairs between two affected records that no rule pairs any more
        select
            previous.left_record_key,
            previous.right_record_key,
            cast(null as {{ dbt.type_string() }}) as blocking_rules,
            0 as blocking_rule_count,
            previous.records_loaded_at
        from {{ this }} as previous
        inner join record_ids as left_ids
            on previous.left_record_key = left_ids.customer_record_key
        inner join record_ids as right_ids
            on previous.right_record_key = right_ids.customer_record_key
        left join id_pairs
            on
                left_ids.record_id = id_pairs.left_record_id
                and right_ids.record_id = id_pairs.right_record_id
        where left_ids.is_affected and right_ids.is_affected and id_pairs.left_record_id is null
    {%- endif %}

),

final as (

    select
        {{ surrogate_key_number(['left_record_key', 'right_record_key']) }} as pair_id,
        {{ surrogate_key(['left_record_key', 'right_record_key']) }} as pair_key,
        left_record_key,
        right_record_key,
        blocking_rules,
        blocking_rule_count,
        records_loaded_at,
        -- when this run (re)computed the pair: the downstream identity models redo the pairs computed after them
        {{ run_started_timestamp() }} as computed_at
    from pairs

)

select * from final
