{#- Spark: a table. Its Derby metastore keeps a view's text in a 32,700-character column, and the comparison levels
    (one CTE per comparison, Spark's Damerau-Levenshtein spelled out in SQL) are longer. -#}
{{ config(materialized=('table' if target.type == 'spark' else 'view')) }}

{%- set offsets = var('identity_u_sample_offsets') | int -%}

with

records as (

    select * from {{ ref('int_identity__records') }}

),

-- random pairs (record i with record i + k·stride in md5 order, k = 1..offsets)
numbered_records as (

    select
        customer_record_key,
        row_number() over (order by {{ md5_hex('customer_record_key') }}, customer_record_key) as record_number,
        count(*) over () as record_count
    from records

),

sample_offsets as (

    select record_number as sample_offset
    from numbered_records
    where record_number <= {{ offsets }}

),

sampled_partners as (

    select
        numbered_records.customer_record_key as left_record_key,
        mod(
            numbered_records.record_number - 1
            + sample_offsets.sample_offset
            * greatest(floor(numbered_records.record_count / ({{ offsets }} + 1)), 1),
            numbered_records.record_count
        )
        + 1 as partner_number
    from numbered_records
    cross join sample_offsets
    where numbered_records.record_number <= {{ var('identity_u_sample_pairs') }} / {{ offsets }}

),

random_pairs as (

    select
        -- an order (any) is needed by Spark, which numbers no unordered window
        row_number() over (
            order by sampled_partners.left_record_key, numbered_records.customer_record_key
        ) as pair_id,
        sampled_partners.left_record_key,
        numbered_records.customer_record_key as right_record_key
    from sampled_partners
    inner join numbered_records
        on sampled_partners.partner_number = numbered_records.record_number
    where sampled_partners.left_record_key <> numbered_records.customer_record_key

),

final as (

    {{ identity_comparison_levels('random_pairs', 'records') }}

)

select * from final
