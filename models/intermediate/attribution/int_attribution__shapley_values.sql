{%- set max_exact = var('attribution_shapley_max_exact_channels') %}
{%- set permutations = var('attribution_shapley_permutations') %}
{%- set factorials = [1] %}
{%- for k in range(1, max_exact + 1) %}{% do factorials.append(factorials[-1] * k) %}{% endfor %}

with

coalition_values as (

    select * from {{ ref('int_attribution__coalition_values') }}

),

set_channel_bits as (

    select * from {{ ref('int_attribution__coalition_channels') }}

),

masks as (

    {{ integer_series_rows(0, 2 ** max_exact - 1, 'subset_mask') }}

),

factorials as (

    select
        factorial_values.k,
        factorial_values.factorial
    from (  -- noqa: LT02
        values
        {%- for value in factorials %}
            ({{ loop.index0 }}, cast({{ value }} as double)){{ ',' if not loop.last }}  -- noqa: LT02
        {%- endfor %}
    ) as factorial_values (k, factorial)

),

-- exact: every subset S of T (bitmask over T's channels), v(S) = conversion rate of journeys whose set is S
subset_members as (

    select
        set_channel_bits.channel_set,
        masks.subset_mask,
        set_channel_bits.channel
    from set_channel_bits
    inner join masks
        on masks.subset_mask < cast(power(2, set_channel_bits.channel_count) as bigint)
    where
        set_channel_bits.channel_count <= {{ max_exact }}
        and mod(cast(floor(masks.subset_mask / set_channel_bits.channel_mask) as bigint), 2) = 1

),

subsets as (

    select
        channel_set,
        subset_mask,
        count(*) as subset_size,
        {{ string_agg_ordered('channel', ',', 'channel') }} as subset_key
    from subset_members
    group by channel_set, subset_mask

    union all

    select distinct
        channel_set,
        0 as subset_mask,
        0 as subset_size,
        '' as subset_key
    from set_channel_bits
    where channel_count <= {{ max_exact }}

),

subset_values as (

    select
        subsets.channel_set,
        subsets.subset_mask,
        subsets.subset_size,
        coalesce(coalition_values.conversion_rate, 0) as subset_value
    from subsets
    left join coalition_values
        on subsets.subset_key = coalition_values.channel_set

),

-- φ_c(T) = Σ_{S ⊆ T∖{c}} |S|!·(|T|−|S|−1)!/|T|! · (v(S ∪ {c}) − v(S))
exact_values as (

    select
        set_channel_bits.channel_set,
        set_channel_bits.channel,
        sum(
            size_factorial.factorial * rest_factorial.factorial / set_factorial.factorial
            * (with_channel.subset_value - without_channel.subset_value)
        ) as shapley_value
    from set_channel_bits
    inner join subset_values as without_channel
        on set_channel_bits.channel_set = without_channel.channel_set
    inner join subset_values as with_channel
        on
            without_channel.channel_set = with_channel.channel_set
            and with_channel.subset_mask = without_channel.subset_mask + set_channel_bits.channel_mask
    inner join factorials as size_factorial
        on without_channel.subset_size = size_factorial.k
    inner join factorials as rest_factorial
        on set_channel_bits.channel_count - without_channel.subset_size - 1 = rest_factorial.k
    inner join factorials as set_factorial
        on set_channel_bits.channel_count = set_factorial.k
    where mod(cast(floor(without_channel.subset_mask / set_channel_bits.channel_mask) as bigint), 2) = 0
    group by set_channel_bits.channel_set, set_channel_bits.channel

),

sampled_values as (

    {{ attribution_shapley_sampled('set_channel_bits', 'coalition_values', max_exact, permutations) }}

),

shapley_values as (

    select * from exact_values
    union all
    select * from sampled_values

),

positive_values as (

    select
        channel_set,
        channel,
        shapley_value,
        greatest(shapley_value, 0) as positive_value,
        sum(greatest(shapley_value, 0)) over (partition by channel_set) as positive_total,
        count(*) over (partition by channel_set) as set_channels
    from shapley_values

),

-- split in proportion to max(φ, 0); equally when no channel has a positive value
shares as (

    select
        channel_set,
        channel,
        shapley_value,
        case
            when positive_total > 0 then positive_value / positive_total
            else 1.0 / set_channels
        end as credit_share
    from positive_values

),

final as (

    select
        shares.channel_set,
        shares.channel,
        shares.shapley_value,
        shares.credit_share,
        coalesce(coalition_values.conversions, 0) * shares.credit_share as conversions_credited,
        coalesce(coalition_values.conversion_value, 0) * shares.credit_share as conversion_value_credited,
        set_channel_bits.channel_count > {{ max_exact }} as is_sampled
    from shares
    inner join set_channel_bits
        on
            shares.channel_set = set_channel_bits.channel_set
            and shares.channel = set_channel_bits.channel
    left join coalition_values
        on shares.channel_set = coalition_values.channel_set

)

select * from final
