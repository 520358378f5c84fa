{{ config(
    materialized='incremental',
    unique_key='customer_key',
    pre_hook="{% if is_incremental() and not incremental_ready('record_loaded_at') %}{{ delete_rows(this, '1 = 1') }}{% endif %}",
    post_hook="{% if is_incremental() %}{{ delete_rows(this, 'field is null') }}{% endif %}"
) }}
{#- Longer than 200 lines: the candidates, their one ranking window, what decided against each and the incremental
    scope are one step (survivorship), and the golden-record fields are spelled out per field. -#}
{#-
    Single-record customers (most of them) are left out: dim_customers takes their values from the record,
    and leaving them out halves the model on the large profile. The candidates are ranked in one window
    whose sort also yields the winner's columns and the candidate count.

    Incremental (issue 16): a customer's rows depend only on its records and their values, so a run ranks again
    only the customers that have a record landed since the last run (watermark: the largest record_loaded_at)
    or whose multi-record membership differs from the stored one (a record joined, left, or the customer split, merged
    away or became single-record). Each such customer also gets a tombstone row (field null): delete+insert on
    customer_key then removes the rows of a customer that has none any more, and the post-hook the tombstone.
    A table from before the watermark column is emptied first (pre-hook) and built whole: a full build replaces
    only the customers it has. A change to seed merge_rules needs
    `dbt build --full-refresh --select int_identity__field_survivorship+`.
-#}
{%- set incremental = incremental_ready('record_loaded_at') %}
{%- set fields = golden_record_fields() -%}

{#- one survivor order, used by both windows below: Spark numbers no row over a window with a frame and lets no
    named window extend another, so the two windows are spelled apart around it -#}
{%- set survivor_ordering -%}
case when candidates.is_listed_source then 0 else 1 end asc,
            case when candidates.action = 'MAX_VALUE' then candidates.field_value end desc nulls last,
            case when candidates.action = 'UPDATE_IF_NEWER' then candidates.source_updated_at end desc nulls last,
            candidates.priority asc nulls last,
            case when candidates.action = 'KEEP_EXISTING' then candidates.source_updated_at end asc nulls last,
            candidates.source_updated_at desc nulls last,
            candidates.source_system asc,
            candidates.source_record_id asc
{%- endset %}

with

records as (

    select * from {{ ref('stg_crm__customer_records') }}

),

clusters as (

    select * from {{ ref('int_identity__clusters') }}

),

{%- if incremental %}

    -- (customer, record) of every customer with more than one record, now and as stored
    current_members as (

        select
            customer_key,
            customer_record_key
        from clusters
        where cluster_size > 1

    ),

    stored_members as (

        select distinct
            customer_key,
            customer_record_key
        from {{ this }}

    ),

    changed_customers as (

        select clusters.customer_key
        from records
        inner join clusters
            on records.customer_record_key = clusters.customer_record_key
        where records._loaded_at > {{ incremental_watermark('record_loaded_at') }}

        union

        select customer_key from (
            select * from current_members
            except
            select * from stored_members
        ) as joined

        union

        select customer_key from (
            select * from stored_members
            except
            select * from current_members
        ) as left_or_gone

    ),
{%- endif %}

merge_rules as (

    select
        field,
        source_system,
        priority,
        action
    from {{ ref('merge_rules') }}

),

-- one action per field: the action of its priority-1 row
field_actions as (

    select
        field,
        min(action) as action
    from (
        select
            merge_rules.*,
            row_number() over (
                partition by merge_rules.field
                order by merge_rules.priority, merge_rules.action
            ) as rule_rank
        from merge_rules
    ) as ranked_rules
    where rule_rank = 1
    group by field

),

field_values as (
    {%- for field, expression in fields.items() %}

        select
            customer_record_key,
            source_system,
            source_record_id,
            source_updated_at,
            _loaded_at as record_loaded_at,
            '{{ field }}' as field,
            {{ expression }} as field_value
        from records
        {%- if not loop.last %}

            union all
        {%- endif %}
    {%- endfor %}

),

candidates as (

    select
        clusters.customer_key,
        field_values.field,
        field_values.customer_record_key,
        field_values.source_system,
        field_values.source_record_id,
        field_values.source_updated_at,
        field_values.field_value,
        field_values.record_loaded_at,
        field_actions.action,
        merge_rules.priority,
        merge_rules.source_system is not null as is_listed_source
    from field_values
    inner join clusters
        on field_values.customer_record_key = clusters.customer_record_key
    inner join field_actions
        on field_values.field = field_actions.field
    left join merge_rules
        on
            field_values.field = merge_rules.field
            and field_values.source_system = merge_rules.source_system
    where
        field_values.field_value is not null
        and clusters.cluster_size > 1
    {%- if incremental %}
        and clusters.customer_key in (select changed_customers.customer_key from changed_customers)
    {%- endif %}

),

ranked as (

    select
        candidates.*,
        -- Spark numbers rows only in a window without a frame (DuckDB ignores it)
        row_number() over survivor_order as survivor_rank,
        count(*) over survivor_window as candidate_count,
        first_value(candidates.customer_record_key) over survivor_window as winner_record_key,
        first_value(candidates.source_system) over survivor_window as winner_source_system,
        first_value(candidates.field_value) over survivor_window as winner_value,
        first_value(candidates.source_updated_at) over survivor_window as winner_updated_at,
        first_value(candidates.priority) over survivor_window as winner_priority
    from candidates
    window survivor_order as (
        partition by candidates.customer_key, candidates.field
        order by
            {{ survivor_ordering }}
    ),

    survivor_window as (
        partition by candidates.customer_key, candidates.field
        order by
            {{ survivor_ordering }}
        rows between unbounded preceding and unbounded following
    )

),

compared as (

    select
        ranked.*,
        coalesce(ranked.source_updated_at = ranked.winner_updated_at, false)
        or (ranked.source_updated_at is null and ranked.winner_updated_at is null) as has_same_timestamp,
        coalesce(ranked.priority = ranked.winner_priority, false)
        or (ranked.priority is null and ranked.winner_priority is null) as has_same_priority
    from ranked

),

survivors as (

    select
        {{ surrogate_key(['customer_key', 'field', 'customer_record_key']) }} as survivorship_key,
        customer_key,
        field,
        action,
        customer_record_key,
        source_system,
        source_record_id,
        source_updated_at,
        priority,
        is_listed_source,
        field_value,
        survivor_rank,
        candidate_count,
        winner_record_key,
        winner_source_system,
        winner_value,
        survivor_rank = 1 as is_winner,
        case
            when survivor_rank = 1 then 'won'
            when lower(field_value) = lower(winner_value) then 'same_value'
            else 'beaten'
        end as outcome,
        -- what decided against this candidate (null for the winner)
        case
            when survivor_rank = 1 then null
            when lower(field_value) = lower(winner_value) then 'same_value'
            when not is_listed_source then 'source_not_listed'
            when action = 'MAX_VALUE' and lower(field_value) <> lower(winner_value) then 'max_value'
            when action = 'UPDATE_IF_NEWER' and not has_same_timestamp then 'newer_timestamp'
            when not has_same_priority then 'source_priority'
            when not has_same_timestamp then 'timestamp'
            else 'deterministic'
        end as decided_by,
        -- seed 002 edge case 2: two systems disagree within the same second → logged as a race condition
        survivor_rank > 1
        and lower(field_value) <> lower(winner_value)
        and customer_record_key <> winner_record_key
        and date_trunc('second', source_updated_at) = date_trunc('second', winner_updated_at) as is_race_condition,
        -- when the candidate's record was landed: the largest is the watermark
        record_loaded_at,
        {{ run_started_timestamp() }} as computed_at
    from compared

),

final as (

    select * from survivors
    {%- if incremental %}

        union all

        -- one tombstone (every column null but customer_key) per customer ranked again: see above
        select
            {%- for column in ['survivorship_key', 'customer_key', 'field', 'action', 'customer_record_key',
                               'source_system', 'source_record_id', 'source_updated_at', 'priority',
                               'is_listed_source', 'field_value', 'survivor_rank', 'candidate_count',
                               'winner_record_key', 'winner_source_system', 'winner_value', 'is_winner', 'outcome',
                               'decided_by', 'is_race_condition', 'record_loaded_at', 'computed_at'] %}
                {{ 'changed_customers.customer_key' if column == 'customer_key' else 'survivors.' ~ column }}
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from changed_customers
        left join survivors on 1 = 0
    {%- endif %}

)

select * from final
