{#- Attach to the source of a monitored model (like no_feature_drift): fails when a
    data-quality check of the asserted batch fails, warns when one warns (fct_batch_quality,
    decision 0018). Each returned row names the model, batch, check, column, figure, levels
    and a message. The model's freshness row (the next expected batch) is always asserted.

    model_id: defaults to the registry entry of the source the test is attached to.
    batch_id: defaults to var('modelwatch_batch'), else the model's latest batch; 'all'
        asserts every computed batch.
    checks: restrict to these checks (default: all). -#}
{% test no_data_quality_failure(model, model_id=none, batch_id=none, checks=none) %}
    {{ config(
        fail_calc='coalesce(max(severity_level), 0)',
        warn_if='>=1',
        error_if='>=2',
        store_failures=true,
    ) }}
    {%- set entry = modelwatch._drift_test_entry(model, model_id, 'data-quality test') -%}
    {%- set known = modelwatch.get_packaged_defaults().data_quality.keys() | list -%}
    {%- set checks = [checks] if checks is string else checks -%}
    {%- for check in (checks or []) if check not in known or check == 'history_batches' -%}
        {{ exceptions.raise_compiler_error("data-quality test of model '"
            ~ (entry.model_id if entry else model_id) ~ "': unknown check '" ~ check
            ~ "'; known checks: " ~ (known | reject('equalto', 'history_batches') | sort | join(', '))) }}
    {%- endfor -%}
    {%- set batch_id = batch_id if batch_id is not none else var('modelwatch_batch', none) -%}
    {%- if execute and entry and batch_id is not none and batch_id != 'all' -%}
        {{ modelwatch._require_stored_batch(entry.model_id, batch_id, 'data-quality test') }}
    {%- endif -%}
    {%- set model_literal = modelwatch.string_literal(entry.model_id if entry else model_id) -%}

with

quality as (
    select *
    from {{ ref('fct_batch_quality') }}
    where model_id = {{ model_literal }}
),

batches as (
    select
        batch_id,
        batch_started_at
    from quality
    where check_name != 'freshness_hours_late'
),

asserted as (
    select quality.*
    from quality
    where
        quality.check_name = 'freshness_hours_late'
        {%- if batch_id == 'all' %}
        or true
        {%- elif batch_id is not none %}
        or quality.batch_id = {{ modelwatch.string_literal(batch_id) }}
        {%- else %}
        or quality.batch_started_at = (select max(batch_started_at) from batches)
        {%- endif %}
),

failing as (
    select
        model_id,
        batch_id,
        batch_started_at,
        check_name,
        column_name,
        observed_value,
        expected_value,
        assessed_value,
        warn_limit,
        error_limit,
        severity_level,
        status,
        is_blocking,
        message
    from asserted
    where
        severity_level >= 1
        {%- if checks %}
        and check_name in (
            {%- for check in checks %}'{{ check }}'{{ ', ' if not loop.last }}{% endfor -%}
        )
        {%- endif %}
)

select * from failing
{% endtest %}
