{#-
    Every var of dbt_project.yml checked once, before any node runs (on-run-start), so a bad value stops
    the run with one message naming the var, its value and the rule instead of an error inside some model
    or unit test. Each var has exactly one rule here; tests/python/test_vars.py checks that the rules and
    dbt_project.yml's vars are the same set.

    A rule is a dict: type (number | integer | boolean | string | choice | list | uuid | timezone |
    timestamp_or_now | em_sessions), optional min / max (inclusive), gt / lt (exclusive), null_ok, choices, pattern.
-#}

{% macro var_rules() -%}
    {%- set uuid = {'type': 'uuid'} -%}
    {%- set probability = {'type': 'number', 'min': 0, 'max': 1} -%}
    {%- set positive = {'type': 'number', 'gt': 0} -%}
    {%- set non_negative = {'type': 'number', 'min': 0} -%}
    {%- set source_system = {'type': 'string', 'pattern': '^[a-z0-9_]+$'} -%}
    {{ return({
        'reference_time': {'type': 'timestamp_or_now'},
        'normalize_gmail_dots': {'type': 'boolean'},
        'default_calling_code': {'type': 'string', 'pattern': '^[1-9][0-9]{0,2}$'},
        'conversions_source_system': source_system,
        'touches_source_system': source_system,
        'crm_source_system': source_system,
        'identity_auto_merge_threshold': {'type': 'number', 'gt': 0, 'max': 1},
        'identity_review_threshold': {'type': 'number', 'gt': 0, 'lt': 1},
        'identity_max_block_size': {'type': 'integer', 'min': 2},
        'identity_link_max_records': {'type': 'integer', 'min': 2},
        'identity_anchor_comparisons': {'type': 'list', 'min': 1},
        'identity_release_nameless_guard_pairs': {'type': 'boolean'},
        'identity_em_iterations': {'type': 'integer', 'min': 1, 'max': 200},
        'identity_em_sessions': {'type': 'em_sessions'},
        'identity_prior_em_iterations': {'type': 'integer', 'min': 0, 'max': 100},
        'identity_weights_max_age_days': {'type': 'integer', 'min': 0},
        'identity_u_sample_pairs': {'type': 'integer', 'min': 1},
        'identity_u_sample_offsets': {'type': 'integer', 'min': 1},
        'identity_conflict_cut_rounds': {'type': 'integer', 'min': 0, 'max': 50},
        'masking_min_group_size': {'type': 'integer', 'min': 2},
        'attribution_window_hours': positive,
        'attribution_lookback_days': positive,
        'time_decay_lambda_per_day': non_negative,
        'time_decay_half_life_days': {'type': 'number', 'gt': 0, 'null_ok': true},
        'position_based_first_share': probability,
        'position_based_last_share': probability,
        'single_win_criterion': {'type': 'choice', 'choices': ['last_touch', 'highest_weighted']},
        'attribution_default_channel_weight': non_negative,
        'attribution_credit_unknown_campaign': {'type': 'boolean'},
        'attribution_counted_statuses': {'type': 'list', 'min': 1},
        'attribution_models': {'type': 'list', 'min': 1, 'choices': [
            'first_touch', 'last_touch', 'linear', 'position_based', 'time_decay', 'single_win', 'markov', 'shapley']},
        'attribution_path_grain': {'type': 'choice', 'choices': ['channel', 'campaign']},
        'attribution_path_transform': {'type': 'choice', 'choices': [
            'unique', 'exposure', 'first', 'frequency', 'remove_if_not_all']},
        'attribution_path_remove_channels': {'type': 'list'},
        'attribution_path_max_steps': {'type': 'integer', 'min': 1, 'null_ok': true},
        'attribution_path_include_channels': {'type': 'list'},
        'attribution_path_exclude_channels': {'type': 'list'},
        'attribution_path_include_campaigns': {'type': 'list'},
        'attribution_path_exclude_campaigns': {'type': 'list'},
        'attribution_markov_order': {'type': 'integer', 'min': 1, 'max': 4},
        'attribution_markov_tolerance': {'type': 'number', 'gt': 0, 'lt': 0.001},
        'attribution_markov_max_iterations': {'type': 'integer', 'min': 1},
        'attribution_shapley_max_exact_channels': {'type': 'integer', 'min': 1, 'max': 16},
        'attribution_shapley_permutations': {'type': 'integer', 'min': 1, 'max': 100000},
        'ces_base': {'type': 'integer', 'min': 1},
        'ces_transfer_penalty': non_negative,
        'ces_wait_grace_seconds': non_negative,
        'ces_wait_interval_seconds': positive,
        'ces_floor': {'type': 'integer', 'min': 0},
        'ces_high_effort_max': {'type': 'integer', 'min': 0},
        'ces_profile_window_days': positive,
        'ces_wait_disagreement_seconds': non_negative,
        'queue_performance_interval_minutes': {'type': 'integer', 'min': 1, 'max': 1440},
        'engagement_future_tolerance_seconds': non_negative,
        'engagement_backfill_after_days': positive,
        'engagement_tier_high': {'type': 'number', 'gt': 0, 'max': 1},
        'engagement_tier_moderate': {'type': 'number', 'min': 0, 'lt': 1},
        'eligibility_min_score_increase': probability,
        'eligibility_increase_window_hours': positive,
        'eligibility_cooldown_hours': non_negative,
        'engagement_unknown_field_policy': {'type': 'choice', 'choices': ['reject', 'drop']},
        'engagement_score_history_days': {'type': 'integer', 'min': 1, 'max': 3660},
        'engagement_channel_lookback_days': positive,
        'engagement_contact_window_hours': {'type': 'integer', 'min': 1, 'max': 24},
        'engagement_window_prior_weight': non_negative,
        'engagement_default_timezone': {'type': 'timezone'},
        'engagement_default_window_start_hour': {'type': 'integer', 'min': 0, 'max': 23},
        'export_attribute_prefix': {'type': 'string', 'pattern': '^[A-Za-z0-9_]*$'},
        'export_journey_configuration_id': uuid,
        'export_external_source_id': uuid,
        'export_golden_source_id': uuid,
        'export_contact_schema_id': uuid,
        'export_contact_schema_version': {'type': 'integer', 'min': 1},
        'export_outbound_contact_list_id': uuid,
        'export_outbound_phone_column': {'type': 'string', 'pattern': '^[^\\x00-\\x1f]{1,100}$'},
    }) }}
{%- endmacro %}


{#- the problem with one value against its rule, or '' -#}
{% macro var_problem(value, rule) -%}
    {%- set re = modules.re -%}
    {%- set kind = rule['type'] -%}
    {%- set is_num = value is number and value is not boolean -%}
    {%- if value is none -%}
        {{ return('' if rule.get('null_ok') else 'must be set (got null)') }}
    {%- elif kind in ('number', 'integer') -%}
        {%- if not is_num or (kind == 'integer' and value != (value | int)) -%}
            {{ return('must be ' ~ ('an integer' if kind == 'integer' else 'a number')) }}
        {%- endif -%}
        {%- if 'min' in rule and value < rule['min'] -%}{{ return('must be ≥ ' ~ rule['min']) }}{%- endif -%}
        {%- if 'max' in rule and value > rule['max'] -%}{{ return('must be ≤ ' ~ rule['max']) }}{%- endif -%}
        {%- if 'gt' in rule and value <= rule['gt'] -%}{{ return('must be > ' ~ rule['gt']) }}{%- endif -%}
        {%- if 'lt' in rule and value >= rule['lt'] -%}{{ return('must be < ' ~ rule['lt']) }}{%- endif -%}
    {%- elif kind == 'boolean' -%}
        {%- if value is not boolean -%}{{ return('must be true or false') }}{%- endif -%}
    {%- elif kind in ('string', 'choice', 'uuid', 'timezone') -%}
        {%- if value is not string -%}{{ return('must be a string') }}{%- endif -%}
        {%- if kind == 'choice' and value not in rule['choices'] -%}
            {{ return('must be one of ' ~ rule['choices'] | join(', ')) }}
        {%- elif kind == 'uuid' and not re.match('^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$', value) -%}
            {{ return('must be a Genesys object id (a UUID)') }}
        {%- elif kind == 'timezone' and value not in modules.pytz.all_timezones -%}
            {{ return('must be an IANA time zone such as America/New_York') }}
        {%- elif 'pattern' in rule and not re.match(rule['pattern'], value) -%}
            {{ return('must match ' ~ rule['pattern']) }}
        {%- endif -%}
    {%- elif kind == 'em_sessions' -%}
        {%- if value is string or value is not iterable or value is mapping or value | length < 1 -%}
            {{ return('must be a list of {rule: <blocking rule>, fixed: [<comparison>, …]}') }}
        {%- endif -%}
        {%- for item in value -%}
            {%- if item is not mapping or item.get('rule') is not string
                or item.get('fixed') is string or item.get('fixed') is not iterable -%}
                {{ return('must be a list of {rule: <blocking rule>, fixed: [<comparison>, …]}, got ' ~ item) }}
            {%- endif -%}
        {%- endfor -%}
    {%- elif kind == 'list' -%}
        {%- if value is string or value is not iterable or value is mapping -%}{{ return('must be a list') }}{%- endif -%}
        {%- if value | length < rule.get('min', 0) -%}{{ return('must name at least ' ~ rule['min']) }}{%- endif -%}
        {%- for item in value -%}
            {%- if item is not string -%}{{ return('must be a list of strings') }}{%- endif -%}
            {%- if 'choices' in rule and item not in rule['choices'] -%}
                {{ return('lists an unknown value ' ~ item ~ ' (known: ' ~ rule['choices'] | join(', ') ~ ')') }}
            {%- endif -%}
        {%- endfor -%}
    {%- elif kind == 'timestamp_or_now' -%}
        {%- set text = value | string | trim -%}
        {%- if text | lower not in ('', 'now', 'none')
               and not re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?)?$', text) -%}
            {{ return("must be 'now' or a UTC time such as 2026-11-01 00:00:00") }}
        {%- endif -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{#- rules between vars -#}
{% macro var_relation_problems() -%}
    {%- set problems = [] -%}
    {%- set checks = [
        ('identity_review_threshold', 'identity_auto_merge_threshold', 'lt',
         'the review band must start below the auto-merge threshold'),
        ('engagement_tier_moderate', 'engagement_tier_high', 'lt', 'the moderate tier must start below the high tier'),
        ('ces_floor', 'ces_base', 'le', 'the floor cannot exceed the base score'),
        ('ces_high_effort_max', 'ces_base', 'lt', 'a score of ces_base (no effort) cannot be high effort'),
    ] -%}
    {%- for low, high, op, why in checks -%}
        {%- set a = var(low) -%}
        {%- set b = var(high) -%}
        {%- if a is number and b is number and ((op == 'lt' and a >= b) or (op == 'le' and a > b)) -%}
            {%- do problems.append(low ~ ' = ' ~ a ~ ' and ' ~ high ~ ' = ' ~ b ~ ': ' ~ why) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set first = var('position_based_first_share') -%}
    {%- set last = var('position_based_last_share') -%}
    {%- if first is number and last is number and first + last > 1 -%}
        {%- do problems.append('position_based_first_share + position_based_last_share = ' ~ (first + last)
                               ~ ': the first and last touch shares cannot exceed 1') -%}
    {%- endif -%}
    {{ return(problems) }}
{%- endmacro %}


{% macro validate_vars() -%}
    {%- set problems = [] -%}
    {%- for name, rule in var_rules().items() -%}
        {%- set value = var(name) -%}
        {%- set problem = var_problem(value, rule) -%}
        {%- if problem -%}
            {%- do problems.append(name ~ ' = ' ~ tojson(value) ~ ': ' ~ problem) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not problems -%}
        {%- do problems.extend(var_relation_problems()) -%}
    {%- endif -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            'invalid var' ~ ('s' if problems | length > 1 else '') ~ ' (dbt_project.yml or --vars):\n  - '
            ~ problems | join('\n  - ')) }}
    {%- endif -%}
    select 1 as vars_are_valid
{%- endmacro %}
