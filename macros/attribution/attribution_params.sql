{#- Attribution rules as macros over vars (seed 001), so models and tests read them one way. -#}

{#-
    λ of the time-decay model, per day: ln 2 / var('time_decay_half_life_days') when the half-life is set,
    else var('time_decay_lambda_per_day') (default 0.1/day ≈ 6.9-day half-life). Rendered as a literal.
-#}
{% macro attribution_decay_lambda() -%}
    {%- set half_life = var('time_decay_half_life_days') -%}
    {%- if half_life is number and half_life > 0 -%}
        {{ 0.6931471805599453 / (half_life | float) }}
    {%- else -%}
        {{ var('time_decay_lambda_per_day') | float }}
    {%- endif -%}
{%- endmacro %}


{#- Conversion statuses counted as conversions and revenue in the BI marts, as a SQL list literal. -#}
{% macro attribution_counted_statuses_sql() -%}
    {%- set statuses = var('attribution_counted_statuses') -%}
    {%- if statuses is string -%}{%- set statuses = [statuses] -%}{%- endif -%}
    ({% for status in statuses %}'{{ status | lower }}'{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}


{#- single_win criterion: last_touch | highest_weighted (checked by validate_vars). -#}
{% macro attribution_single_win_criterion() -%}
    {{ return(var('single_win_criterion')) }}
{%- endmacro %}


{#-
    The attribution models the marts carry, in display order: var('attribution_models'), a subset of
    first_touch, last_touch, linear, position_based, time_decay, single_win, markov, shapley (default all eight). Unknown names
    are left out here and reported by validate_vars, which stops the run before any node.
-#}
{% macro attribution_model_names() -%}
    {%- set known = ['first_touch', 'last_touch', 'linear', 'position_based', 'time_decay', 'single_win',
                     'markov', 'shapley'] -%}
    {%- set chosen = var('attribution_models') -%}
    {%- if chosen is string -%}{%- set chosen = [chosen] -%}{%- endif -%}
    {{ return(chosen | select('in', known) | list or known) }}
{%- endmacro %}


{#- A select of one row per attribution model (column attribution_model), usable as a CTE body. -#}
{% macro attribution_models_rows() -%}
    {%- for model_name in attribution_model_names() %}
    select '{{ model_name }}' as attribution_model
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{#- The chosen attribution models as a SQL list literal ('first_touch', 'last_touch', …). -#}
{% macro attribution_models_sql_list() -%}
    ({% for model_name in attribution_model_names() %}'{{ model_name }}'{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}


{#-
    Data-driven attribution (issue 19). The column of a path touch that is one step of a path under
    var('attribution_path_grain'): channel, or campaign_id.
-#}
{% macro attribution_path_step_column(relation=none) -%}
    {{- (relation ~ '.' if relation else '') ~ ('campaign_id' if var('attribution_path_grain') == 'campaign' else 'channel') -}}
{%- endmacro %}


{#- A list var as a SQL list literal; an empty list gives ('') (matches nothing). -#}
{% macro attribution_sql_list(name) -%}
    {%- set values = var(name) or [] -%}
    {%- if values is string -%}{%- set values = [values] -%}{%- endif -%}
    ({% for value in values %}'{{ value | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% else %}''{% endfor %})
{%- endmacro %}


{#-
    A path filter on `column` as one SQL condition: in var(include_var) when that list is not empty, and not
    in var(exclude_var) when that one is not empty (a null column passes an exclude list); `true` when both
    are empty.
-#}
{% macro attribution_path_filter(column, include_var, exclude_var) -%}
    {%- set conditions = [] -%}
    {%- if var(include_var) -%}
        {%- do conditions.append(column ~ ' in ' ~ attribution_sql_list(include_var)) -%}
    {%- endif -%}
    {%- if var(exclude_var) -%}
        {%- do conditions.append('coalesce(' ~ column ~ ', \'\') not in ' ~ attribution_sql_list(exclude_var)) -%}
    {%- endif -%}
    {{- '(' ~ conditions | join(' and ') ~ ')' if conditions else 'true' -}}
{%- endmacro %}


{#-
    The Markov states of every path, as ChannelAttribution builds them: the window of the last `order` steps at
    each step (the whole path when it is shorter than `order`), in step order (a whole select over `path_steps`,
    the relation of int_attribution__path_steps: path_id, is_converting, step_position, step). Read by
    int_attribution__markov_transitions and int_attribution__markov_state_channels, so both see the same states.
-#}
{% macro attribution_markov_states(path_steps, order) -%}
    select
        path_id,
        is_converting,
        step_position,
        state
    from (
        select
            path_id,
            is_converting,
            step_position,
            count(*) over (partition by path_id) as path_length,
            concat_ws(
                ' > '
                {%- for back in range(order - 1, 0, -1) %},
                lag(step, {{ back }}) over (partition by path_id order by step_position)
                {%- endfor %},
                step
            ) as state
        from {{ path_steps }}
    ) as windows
    where step_position >= least({{ order }}, path_length)
{%- endmacro %}
