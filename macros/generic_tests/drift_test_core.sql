{#- The one core behind every drift test: the drift figures of one monitored model in one
    batch that reach a warning or error level, one row each, naming the model, batch,
    feature, metric, value and thresholds. The tests built on it (no_feature_drift,
    no_score_drift) set fail_calc to the highest severity level, so a warning level makes the
    test warn and an error level makes it fail.

    model_id: defaults to the registry entry of the source the test is attached to.
    batch_id: defaults to var('modelwatch_batch'), else the model's latest batch; 'all'
        asserts every computed batch (a backfill over history).
    metrics: restrict to these metrics (default: all).
    thresholds: {metric: {warn: x, error: y}} overriding the registry for this test only. A
        level may be `auto`: the level learned from the chunks of the batch's own reference
        version (dim_learned_thresholds, decision 0009); where nothing was learned (a
        reference too small for its chunks) that metric is not judged, as an `auto` level of
        the registry makes it insufficient_data. The model's registry entry must learn
        (an `auto` level or learned_thresholds set), else a compile error says so.
    feature_role: 'feature' or 'score' to restrict to one role.
    A model whose lifecycle_stage is retired returns no row: it is never alerted on. -#}
{% macro drift_test_core(model, model_id, batch_id, metrics, thresholds, feature_role) %}
    {{ return(adapter.dispatch('drift_test_core', 'modelwatch')(
        model, model_id, batch_id, metrics, thresholds, feature_role)) }}
{% endmacro %}

{% macro default__drift_test_core(model, model_id, batch_id, metrics, thresholds, feature_role) %}
    {%- set entry = modelwatch._drift_test_entry(model, model_id) -%}
    {%- set catalog = modelwatch.get_metric_catalog() -%}
    {%- set label = "drift test of model '" ~ (entry.model_id if entry else model_id) ~ "'" -%}
    {%- set metrics = [metrics] if metrics is string else metrics -%}
    {%- for metric in (metrics or []) if metric not in catalog -%}
        {{ exceptions.raise_compiler_error(label ~ ": unknown metric '" ~ metric
            ~ "'; known metrics: " ~ (catalog.keys() | sort | join(', '))) }}
    {%- endfor -%}
    {%- if feature_role is not none and feature_role not in ['feature', 'score'] -%}
        {{ exceptions.raise_compiler_error(label ~ ": feature_role is '" ~ feature_role
            ~ "'; use feature or score") }}
    {%- endif -%}
    {%- if thresholds is not none and execute and entry -%}
        {{ modelwatch._validate_feature_config(
            modelwatch.resolve_config([{'psi_epsilon': 0.0001}, {'thresholds': thresholds}]),
            'the test arguments of ' ~ entry.registry_file, entry.model_id, none) }}
    {%- endif -%}
    {#- levels learned from the reference (`auto`, decision 0009) -#}
    {%- set auto_metrics = [] -%}
    {%- for metric, levels in (thresholds or {}).items() if levels is mapping
        and 'auto' in levels.values() | list -%}
        {%- do auto_metrics.append(metric) -%}
    {%- endfor -%}
    {%- if auto_metrics and execute and entry and entry.learned_thresholds is none -%}
        {{ exceptions.raise_compiler_error(label ~ " (registry " ~ entry.registry_file
            ~ "): thresholds." ~ auto_metrics[0] ~ " is 'auto' in the test arguments, but "
            ~ "model '" ~ entry.model_id ~ "' learns no thresholds from its reference, so "
            ~ "there is no learned level of " ~ auto_metrics[0] ~ " to judge on. In its "
            ~ "meta.modelwatch in " ~ entry.registry_file ~ " add learned_thresholds: "
            ~ "{chunks: 10} (or set a level to auto there, thresholds: {" ~ auto_metrics[0]
            ~ ": {error: auto}}), or give a number in the test (decision 0009)") }}
    {%- endif -%}
    {%- set batch_id = batch_id if batch_id is not none else var('modelwatch_batch', none) -%}
    {%- if execute and entry and batch_id is not none and batch_id != 'all' -%}
        {{ modelwatch._require_stored_batch(entry.model_id, batch_id) }}
    {%- endif -%}
    {%- set model_literal = modelwatch.string_literal(entry.model_id if entry else model_id) -%}

with

drift as (
    select
        model_id,
        model_version,
        reference_id,
        batch_id,
        feature_name,
        feature_role,
        metric_name,
        metric_value,
        assessed_value,
        threshold_direction,
        warn_threshold,
        error_threshold,
        status
    from {{ ref('fct_feature_drift') }}
    where
        model_id = {{ model_literal }}
        {%- if entry and entry.lifecycle_stage == 'retired' %}
        {#- a retired model is still recorded but never alerted on (decision 0014) #}
        and 1 = 0
        {%- endif %}
),
{%- if auto_metrics %}

learned as (
    select
        model_id,
        reference_id,
        feature_name,
        metric_name,
        is_learned,
        warn_threshold,
        error_threshold
    from {{ ref('dim_learned_thresholds') }}
    where model_id = {{ model_literal }}
),
{%- endif %}

batches as (
    select
        model_id,
        batch_id,
        batch_started_at,
        batch_ended_at,
        retrain_window_started_at,
        retrain_window_ended_at
    from {{ ref('fct_model_batch_status') }}
    where model_id = {{ model_literal }}
),

asserted_batch as (
    select batches.*
    from batches
    {%- if batch_id == 'all' %}
    {#- a backfill: every computed batch is asserted #}
    {%- elif batch_id is not none %}
    where batch_id = {{ modelwatch.string_literal(batch_id) }}
    {%- else %}
    where batch_started_at = (select max(batch_started_at) from batches)
    {%- endif %}
),

drift_in_batch as (
    select
        drift.model_id,
        drift.model_version,
        drift.reference_id,
        drift.batch_id,
        asserted_batch.batch_started_at,
        asserted_batch.batch_ended_at,
        drift.feature_name,
        drift.feature_role,
        drift.metric_name,
        drift.metric_value,
        drift.assessed_value,
        {%- for level in ['warn', 'error'] %}
        {%- set overrides = [] %}
        {%- for metric, levels in (thresholds or {}).items() if level in levels %}
            {%- do overrides.append("when drift.metric_name = '" ~ metric ~ "' then "
                ~ ('null' if levels[level] is boolean
                   else 'learned.' ~ level ~ '_threshold' if levels[level] == 'auto'
                   else levels[level])) %}
        {%- endfor %}
        {%- if overrides %}
        case {{ overrides | join(' ') }} else drift.{{ level }}_threshold end
        as {{ level }}_threshold,
        {%- else %}
        drift.{{ level }}_threshold,
        {%- endif %}
        {%- endfor %}
        drift.threshold_direction,
        drift.status as recorded_status,
        asserted_batch.retrain_window_started_at,
        asserted_batch.retrain_window_ended_at
    from drift
    inner join asserted_batch
        on drift.batch_id = asserted_batch.batch_id
    {%- if auto_metrics %}
    left join learned
        on
            drift.model_id = learned.model_id
            and drift.reference_id = learned.reference_id
            and drift.feature_name = learned.feature_name
            and drift.metric_name = learned.metric_name
    {%- endif %}
    where
        drift.status != 'insufficient_data'
        {%- if auto_metrics %}
        {#- an `auto` level its reference could not teach: not judged, never on noise #}
        and not (
            drift.metric_name in ('{{ auto_metrics | join("', '") }}')
            and not coalesce(learned.is_learned, false)
        )
        {%- endif %}
        {%- if metrics %}
        and drift.metric_name in (
            {%- for metric in metrics %}'{{ metric }}'{{ ', ' if not loop.last }}{% endfor -%}
        )
        {%- endif %}
        {%- if feature_role %}
        and drift.feature_role = '{{ feature_role }}'
        {%- endif %}
),

levels_assessed as (
    select
        *,
        {#- a p-value under multiple-testing control is judged by its adjusted value #}
        {{ modelwatch.severity_level(
            'assessed_value', 'warn_threshold', 'error_threshold', 'threshold_direction') }}
        as severity_level
    from drift_in_batch
),

failing as (
    select
        model_id,
        model_version,
        reference_id,
        batch_id,
        batch_started_at,
        batch_ended_at,
        feature_name,
        feature_role,
        metric_name,
        metric_value,
        assessed_value,
        warn_threshold,
        error_threshold,
        threshold_direction,
        severity_level,
        case when severity_level = 2 then 'alert' else 'warn' end as status,
        retrain_window_started_at,
        retrain_window_ended_at
    from levels_assessed
    where severity_level >= 1
)

select * from failing
{% endmacro %}


{#- The registry entry a drift test is about: by model_id, or else the entry whose log is the
    relation the test is attached to. -#}
{% macro _drift_test_entry(model, model_id, test_label='drift test') %}
    {% if not execute %}
        {{ return(none) }}
    {% endif %}
    {% set registry = modelwatch.get_registry() %}
    {% for entry in registry %}
        {% if (model_id is not none and entry.model_id == model_id)
            or (model_id is none
                and (entry.source_identifier | lower) == (model.identifier | lower)
                and (entry.source_schema | lower) == (model.schema | lower)) %}
            {{ return(entry) }}
        {% endif %}
    {% endfor %}
    {% if model_id is not none %}
        {{ exceptions.raise_compiler_error(test_label ~ ": no monitored model has model_id '"
            ~ model_id ~ "'; registered: " ~ (registry | map(attribute='model_id') | join(', '))) }}
    {% endif %}
    {{ exceptions.raise_compiler_error(test_label ~ " on " ~ model
        ~ ": this table has no modelwatch registry entry; add a meta.modelwatch block to its "
        ~ "source, or pass model_id: <id> to the test") }}
{% endmacro %}


{#- Fails loudly when a test is asked about a batch that was never computed, instead of
    passing on no rows. -#}
{% macro _require_stored_batch(model_id, batch_id, test_label='drift test') %}
    {% set ledger = modelwatch._existing_model_relation('fct_model_batch_status') %}
    {% set known = [] %}
    {% if ledger is not none %}
        {% set query %}
            select distinct batch_id from {{ ledger }}
            where model_id = {{ modelwatch.string_literal(model_id) }}
            order by batch_id
        {% endset %}
        {% for row in run_query(query).rows %}
            {% do known.append(row[0]) %}
        {% endfor %}
    {% endif %}
    {% if batch_id not in known %}
        {{ exceptions.raise_compiler_error(test_label ~ " of model '" ~ model_id ~ "': batch '"
            ~ batch_id ~ "' has no rows (no prediction in the log falls in it, or it was not "
            ~ "computed yet); computed batches: "
            ~ ((known[-8:] | join(', ')) if known else 'none') ~ ". Check --vars modelwatch_batch") }}
    {% endif %}
{% endmacro %}
