{#- The one core behind the governance tests (decision 0014): the models that break one
    governance rule, one row per breach, naming the model, its registry file, the rule, what
    is wrong and how to fix it. Only models whose lifecycle_stage is production are held to
    the rules (a model that declares no stage is in development); retired models are not.

    rule:
      production_model_is_accountable  owner, validator and risk tier are declared
      production_model_is_monitored    a drift test is attached (else it can never alert)
      monitoring_within_sla            the newest monitored batch began at most sla_days
                                       before `as_of` (the test argument, else the var
                                       modelwatch_as_of, else the run's start)
      thresholds_within_tier_bounds    every threshold level the risk tier bounds is on and
                                       in range; attach to dim_feature_thresholds
    `model` is dim_model_governance (dim_feature_thresholds for the bounds rule), a leaf of
    the DAG, so that a failing governance test never skips the monitoring itself. -#}
{% macro governance_core(model, rule, as_of) %}
    {{ return(adapter.dispatch('governance_core', 'modelwatch')(model, rule, as_of)) }}
{% endmacro %}

{% macro default__governance_core(model, rule, as_of) %}
    {%- set rules = [
        'production_model_is_accountable', 'production_model_is_monitored',
        'monitoring_within_sla', 'thresholds_within_tier_bounds'] -%}
    {%- if rule not in rules -%}
        {{ exceptions.raise_compiler_error("governance test: rule '" ~ rule
            ~ "' is unknown; use one of " ~ (rules | join(', '))) }}
    {%- endif -%}
    {%- set as_of = as_of if as_of is not none else var('modelwatch_as_of', none) -%}
    {%- if as_of is not none and modelwatch._parse_window_bound(as_of | string) is none -%}
        {{ exceptions.raise_compiler_error("governance test monitoring_within_sla: as_of is '"
            ~ as_of ~ "'; write a date or timestamp as 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS'") }}
    {%- endif -%}
    {%- set as_of_sql = modelwatch.run_timestamp() if as_of is none
        else "cast('" ~ (as_of | string | replace('T', ' ')) ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
    {%- set rule_literal = modelwatch.string_literal(rule) -%}
    {%- if rule == 'thresholds_within_tier_bounds' %}

with

thresholds as (
    select
        model_id,
        feature_name,
        metric_name,
        threshold_direction,
        warn_threshold,
        error_threshold
    from {{ model }}
),

models as (
    select
        model_id,
        registry_file,
        risk_tier,
        lifecycle_stage
    from {{ ref('dim_model_governance') }}
),

bounds as (
    select
        risk_tier,
        metric_name,
        threshold_level,
        min_threshold,
        max_threshold
    from {{ ref('dim_risk_tier_bounds') }}
),

levels_in_force as (
    select
        models.model_id,
        models.registry_file,
        models.risk_tier,
        thresholds.feature_name,
        thresholds.metric_name,
        bounds.threshold_level,
        case
            when bounds.threshold_level = 'warn' then thresholds.warn_threshold
            else thresholds.error_threshold
        end as threshold_value,
        bounds.min_threshold,
        bounds.max_threshold
    from thresholds
    inner join models
        on thresholds.model_id = models.model_id
    inner join bounds
        on
            models.risk_tier = bounds.risk_tier
            and thresholds.metric_name = bounds.metric_name
    where models.lifecycle_stage != 'retired'
),

breaches as (
    select
        model_id,
        registry_file,
        {{ rule_literal }} as governance_rule,
        feature_name,
        metric_name,
        threshold_level,
        threshold_value,
        min_threshold,
        max_threshold,
        case
            when threshold_value is null
                then
                    metric_name || '.' || threshold_level || ' is switched off for feature '
                    || feature_name || ', but risk tier ' || risk_tier || ' requires it'
            else
                metric_name || '.' || threshold_level || ' of feature ' || feature_name
                || ' is ' || cast(threshold_value as {{ dbt.type_string() }})
                || ', outside the range risk tier ' || risk_tier || ' allows'
        end as problem,
        'set thresholds.' || metric_name || '.' || threshold_level || ' between '
        || coalesce(cast(min_threshold as {{ dbt.type_string() }}), '-inf') || ' and '
        || coalesce(cast(max_threshold as {{ dbt.type_string() }}), 'inf')
        || ' in ' || registry_file
        || ' (model, feature or business-unit entry), or change its risk_tier'
        as fix
    from levels_in_force
    where
        threshold_value is null
        or threshold_value < min_threshold
        or threshold_value > max_threshold
)

select * from breaches
    {%- else %}

with

models as (
    select
        model_id,
        owner,
        validator,
        risk_tier,
        lifecycle_stage,
        registry_file,
        sla_days,
        drift_test_count,
        last_batch_started_at
    from {{ model }}
    where lifecycle_stage = 'production'
),

    {%- if rule == 'production_model_is_accountable' %}

missing_fields as (
    {%- for field, hint in [
        ('owner', 'the team or person who owns the model'),
        ('validator', 'the independent reviewer who validated it'),
        ('risk_tier', 'its risk tier (tier_1, tier_2, tier_3 or a project tier)')] %}
    select
        model_id,
        registry_file,
        '{{ field }}' as missing_field,
        '{{ hint }}' as hint
    from models
    where {{ field }} is null or trim({{ field }}) = ''
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

breaches as (
    select
        model_id,
        registry_file,
        {{ rule_literal }} as governance_rule,
        'production model without ' || missing_field as problem,
        'add ' || missing_field || ': <' || hint || '> to the model entry in '
        || registry_file as fix
    from missing_fields
)
    {%- elif rule == 'production_model_is_monitored' %}

breaches as (
    select
        model_id,
        registry_file,
        {{ rule_literal }} as governance_rule,
        'production model with no drift test attached: drift can never alert' as problem,
        'add data_tests: [no_feature_drift] under its source table in '
        || registry_file as fix
    from models
    where drift_test_count = 0
)
    {%- else %}

ages as (
    select
        model_id,
        registry_file,
        sla_days,
        last_batch_started_at,
        {{ as_of_sql }} as as_of,
        {{ dbt.datediff('last_batch_started_at', as_of_sql, 'day') }}
        as last_batch_age_days
    from models
),

breaches as (
    select
        model_id,
        registry_file,
        {{ rule_literal }} as governance_rule,
        last_batch_started_at,
        last_batch_age_days,
        sla_days,
        case
            when last_batch_started_at is null
                then 'production model never monitored: no batch computed'
            else
                'newest monitored batch began ' || cast(last_batch_age_days as {{ dbt.type_string() }})
                || ' days before ' || cast(as_of as {{ dbt.type_string() }})
                || '; its SLA allows ' || cast(sla_days as {{ dbt.type_string() }})
        end as problem,
        'run the monitoring (dbt build) on fresh predictions; check that the log '
        || 'still receives rows, or change sla_days in ' || registry_file as fix
    from ages
    where last_batch_started_at is null or last_batch_age_days > sla_days
)
    {%- endif %}

select * from breaches
    {%- endif %}
{% endmacro %}
