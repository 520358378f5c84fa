with

records as (

    select * from {{ ref('int_identity__records') }}

),

clusters as (

    select * from {{ ref('int_identity__clusters') }}

),

merge_edges as (

    select * from {{ ref('int_identity__merge_edges') }}

),

record_edges as (

    select
        left_record_key as customer_record_key,
        match_method,
        match_probability
    from merge_edges

    union all

    select
        right_record_key as customer_record_key,
        match_method,
        match_probability
    from merge_edges

),

-- a record's strongest link: reviewer decisions first, then the highest probability
strongest_edges as (

    select
        customer_record_key,
        match_method,
        match_probability
    from (
        select
            record_edges.*,
            row_number() over (
                partition by record_edges.customer_record_key
                order by
                    case when record_edges.match_method = 'review_decision' then 0 else 1 end,
                    record_edges.match_probability desc
            ) as edge_rank
        from record_edges
    ) as ranked_edges
    where edge_rank = 1

),

final as (

    select
        records.source_system,
        records.source_record_id,
        records.customer_record_key,
        clusters.customer_key,
        case
            when clusters.cluster_size = 1 then 'singleton'
            else coalesce(strongest_edges.match_method, 'singleton')
        end as match_method,
        case when clusters.cluster_size > 1 then strongest_edges.match_probability end as match_score,
        clusters.cluster_size,
        clusters.customer_record_key = clusters.anchor_record_key as is_anchor_record,
        clusters.has_dob_conflict
    from records
    inner join clusters
        on records.customer_record_key = clusters.customer_record_key
    left join strongest_edges
        on records.customer_record_key = strongest_edges.customer_record_key

)

select * from final
