{#- Identity's model parameters — m (int_identity__m_probabilities), u (int_identity__u_probabilities), the
    weights and the prior (int_identity__comparison_weights) and the term frequencies
    (int_identity__value_frequencies) — are re-estimated on a schedule, not every night (issue 16): a night's
    records hardly move them, and frozen parameters let int_identity__pair_scores score only the pairs that
    changed. The four models call these macros; their tables keep the parameters and when they were estimated. -#}

{#- True when this run re-estimates: a full build (or --full-refresh), a table without estimated_at (built by an
    older version), var('identity_weights_max_age_days') <= 0, or stored parameters at least that many days
    older than this run's start. -#}
{% macro identity_parameters_due() -%}
    {%- if not incremental_ready('estimated_at') -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set max_age = var('identity_weights_max_age_days') | int -%}
    {%- if max_age <= 0 or not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set estimated = run_query('select max(estimated_at) from ' ~ this).columns[0].values()[0] -%}
    {%- if estimated is none -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set started = run_started_at.replace(tzinfo=none) -%}
    {{ return((started - estimated).total_seconds() >= max_age * 86400) }}
{%- endmacro %}


{#- The config of a parameters model: incremental, the whole table replaced when due (pre-hook), untouched
    otherwise (the model's SQL then selects no row). -#}
{% macro identity_parameters_pre_hook() -%}
    {%- if is_incremental() and identity_parameters_due() -%}
        {{ delete_rows(this, '1 = 1') }}
    {%- endif -%}
{%- endmacro %}


{#- Appended to the model's last select (`keyword`: 'where', or 'and' after a where clause): no row when the
    stored parameters are kept. -#}
{% macro identity_parameters_filter(keyword='where') -%}
    {%- if not identity_parameters_due() %}
        {{ keyword }} 1 = 0 -- the stored parameters are kept (var identity_weights_max_age_days)
    {%- endif -%}
{%- endmacro %}


{#- This run's start, the estimated_at of parameters estimated now. -#}
{% macro identity_parameters_estimated_at() -%}
    {{ run_started_timestamp() }}
{%- endmacro %}
