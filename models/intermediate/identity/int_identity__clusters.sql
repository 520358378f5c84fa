{#- First version: every record is its own customer (replaced by connected components over merge edges). -#}
with

records as (

    select * from {{ ref('int_identity__records') }}

),

final as (

    select
        customer_record_key,
        customer_record_key as anchor_record_key,
        {{ surrogate_key(["'customer'", 'customer_record_key']) }} as customer_key,
        1 as cluster_size
    from records

)

select
    customer_record_key,
    anchor_record_key,
    customer_key,
    cluster_size
from final
