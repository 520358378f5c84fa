{#- Longer than 200 lines: every attribution model's credit for a (conversion, touch) is computed over the same path
    totals and unioned here, so each model's credits sum to 1 per conversion by construction. -#}
{%- set first_share = var('position_based_first_share') | float %}
{%- set last_share = var('position_based_last_share') | float %}
{%- set criterion = attribution_single_win_criterion() %}

with

conversions as (

    select * from {{ ref('int_attribution__conversions') }}

),

paths as (

    select * from {{ ref('int_attribution__conversion_paths') }}

),

data_driven_credit as (

    select * from {{ ref('int_attribution__data_driven_credit') }}

),

-- seed 001: W_c · e^(−λ·Δt), λ per day from macro attribution_decay_lambda()
weighted_paths as (

    select
        paths.*,
        paths.channel_weight * exp(-{{ attribution_decay_lambda() }} * paths.delta_days) as decay_weight
    from paths

),

path_totals as (

    select
        weighted_paths.*,
        sum(decay_weight) over (partition by conversion_id) as decay_weight_total,
        row_number() over (
            partition by conversion_id
            order by decay_weight desc, touch_position desc
        ) as weight_rank
    from weighted_paths

),

model_credits as (

    select
        conversion_id,
        touch_id,
        'first_touch' as attribution_model,
        case when touch_position = 1 then 1.0 else 0.0 end as credit
    from path_totals

    union all

    select
        conversion_id,
        touch_id,
        'last_touch' as attribution_model,
        case when touch_position = path_length then 1.0 else 0.0 end as credit
    from path_totals

    union all

    select
        conversion_id,
        touch_id,
        'linear' as attribution_model,
        1.0 / path_length as credit
    from path_totals

    union all

    -- position-based (U-shaped): 40 / 20 / 40 by default
    select
        conversion_id,
        touch_id,
        'position_based' as attribution_model,
        case
            when path_length = 1 then 1.0
            when path_length = 2 and touch_position = 1 then {{ first_share }} / ({{ first_share + last_share }})
            when path_length = 2 then {{ last_share }} / ({{ first_share + last_share }})
            when touch_position = 1 then {{ first_share }}
            when touch_position = path_length then {{ last_share }}
            else (1.0 - {{ first_share }} - {{ last_share }}) / (path_length - 2)
        end as credit
    from path_totals

    union all

    -- seed 001 time decay with channel weights: W_c·e^(−λ·Δt_i) / Σ_j W_cj·e^(−λ·Δt_j)
    select
        conversion_id,
        touch_id,
        'time_decay' as attribution_model,
        decay_weight / decay_weight_total as credit
    from path_totals

    union all

    -- seed 001 single-win rule: one touch gets all, the others 0 (no double counting of revenue)
    select
        conversion_id,
        touch_id,
        'single_win' as attribution_model,
        {%- if criterion == 'highest_weighted' %}
        case when weight_rank = 1 then 1.0 else 0.0 end as credit
        {%- else %}
            case when touch_position = path_length then 1.0 else 0.0 end as credit
        {%- endif %}
    from path_totals

    union all

    -- issue 19: Markov removal effects and Shapley values, spread over the touches (see the yml)
    select
        conversion_id,
        touch_id,
        attribution_model,
        credit
    from data_driven_credit

),

attributed as (

    select
        model_credits.conversion_id,
        model_credits.attribution_model,
        model_credits.touch_id,
        true as is_attributed,
        path_totals.campaign_id,
        path_totals.campaign_name,
        path_totals.channel,
        path_totals.touch_sequence,
        path_totals.touched_at,
        path_totals.touch_position,
        path_totals.path_length,
        path_totals.delta_days,
        path_totals.channel_weight,
        path_totals.decay_weight,
        cast(model_credits.credit as decimal(18, 12)) as credit
    from model_credits
    inner join path_totals
        on
            model_credits.conversion_id = path_totals.conversion_id
            and model_credits.touch_id = path_totals.touch_id

),

attribution_models as (
    {{ attribution_models_rows() }}

),

-- conversions with no eligible touch: kept, one row per model, credit 1 to "unattributed"
unattributed as (

    select
        conversions.conversion_id,
        attribution_models.attribution_model,
        cast(null as {{ dbt.type_string() }}) as touch_id,
        false as is_attributed,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        cast(null as {{ dbt.type_string() }}) as campaign_name,
        cast(null as {{ dbt.type_string() }}) as channel,
        cast(null as integer) as touch_sequence,
        cast(null as timestamp) as touched_at,
        cast(null as bigint) as touch_position,
        cast(0 as bigint) as path_length,
        cast(null as double) as delta_days,
        cast(null as double) as channel_weight,
        cast(null as double) as decay_weight,
        cast(1.0 as decimal(18, 12)) as credit
    from conversions
    cross join attribution_models
    where not exists (
        select 1
        from paths
        where paths.conversion_id = conversions.conversion_id
    )

),

credits as (

    select * from attributed
    union all
    select * from unattributed

),

final as (

    select
        {{ surrogate_key(['credits.conversion_id', 'credits.touch_id', 'credits.attribution_model']) }}
            as credit_key,
        credits.conversion_id,
        credits.attribution_model,
        credits.touch_id,
        credits.is_attributed,
        case
            when credits.is_attributed then 'attributed'
            when conversions.conversion_grain is null then 'no_conversion_time'
            when conversions.customer_key is null then 'no_customer_match'
            else 'no_eligible_touch'
        end as attribution_status,
        credits.campaign_id,
        credits.campaign_name,
        credits.channel,
        credits.touch_sequence,
        credits.touched_at,
        credits.touch_position,
        credits.path_length,
        credits.delta_days,
        credits.channel_weight,
        credits.decay_weight,
        credits.credit,
        -- in double: DuckDB multiplies two DECIMAL(18) values in 64 bits and overflows on large values
        cast(cast(credits.credit as double) * cast(conversions.conversion_value as double) as decimal(18, 6))
            as credited_revenue,
        conversions.conversion_value,
        conversions.conversion_status,
        conversions.is_counted,
        conversions.conversion_grain,
        conversions.converted_on,
        conversions.converted_at,
        conversions.customer_key
    from credits
    inner join conversions
        on credits.conversion_id = conversions.conversion_id
    where credits.attribution_model in {{ attribution_models_sql_list() }}

)

select * from final
