{%- set transform = var('attribution_path_transform') %}
{%- set max_steps = var('attribution_path_max_steps') %}

with

path_touches as (

    select * from {{ ref('int_attribution__path_touches') }}

),

-- remove_if_not_all: listed channels leave a path unless every step of it is one of them
flagged as (

    select
        path_touches.*,
        step_channel in {{ attribution_sql_list('attribution_path_remove_channels') }} as is_removable,
        min(
            case when step_channel in {{ attribution_sql_list('attribution_path_remove_channels') }} then 1 else 0 end
        ) over (partition by path_id) as is_only_removable
    from path_touches

),

kept as (

    select
        *,
        -- runs of the same step: position minus position within the step's own touches is constant in a run
        touch_position - row_number() over (
            partition by path_id, step_channel
            order by touch_position
        ) as run_id,
        row_number() over (partition by path_id, step_channel order by touch_position) as occurrence,
        lag(step_channel) over (partition by path_id order by touch_position) as previous_step
    from flagged
    {%- if transform == 'remove_if_not_all' %}
    where not is_removable or is_only_removable = 1
    {%- endif %}

),

runs as (

    select
        *,
        count(*) over (partition by path_id, step_channel, run_id) as run_length
    from kept

),

transformed as (

    select
        path_id,
        journey_id,
        customer_key,
        conversion_id,
        is_converting,
        conversion_value,
        step_channel,
        case
            when {{ 'run_length > 1' if transform == 'frequency' else 'false' }}
                then step_channel || '(' || cast(run_length as {{ dbt.type_string() }}) || ')'
            else step_channel
        end as step,
        touch_position
    from runs
    {%- if transform in ('exposure', 'frequency') %}
    where previous_step is null or previous_step != step_channel
    {%- elif transform == 'first' %}
    where occurrence = 1
    {%- endif %}

),

numbered as (

    select
        *,
        row_number() over (partition by path_id order by touch_position desc) as steps_from_end,
        count(*) over (partition by path_id) as transformed_length
    from transformed

),

final as (

    select
        path_id,
        journey_id,
        customer_key,
        conversion_id,
        is_converting,
        conversion_value,
        row_number() over (partition by path_id order by touch_position) as step_position,
        step,
        step_channel
    from numbered
    {%- if max_steps %}
    where steps_from_end <= {{ max_steps }}
    {%- endif %}

)

select * from final
