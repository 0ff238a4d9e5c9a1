{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_id', 'batch_id'],
    )
}}
{#- One drift figure per model, batch, feature and metric, kept for every batch as history:
    the value, the thresholds in force, the sample sizes and the status (ok, warn, alert, or
    insufficient_data when the batch holds fewer usable rows than min_batch_size).
    PSI comes from the frozen-bin histograms; KS from the exact value distributions.
    Incremental: a run writes only its pending batches, replacing earlier rows of them. -#}
{%- set double = modelwatch.type_double() -%}

with

pending_batches as (
    select
        model_id,
        reference_id,
        batch_id,
        batch_started_at,
        model_version
    from {{ ref('int_prediction_batches_pending') }}
),

features as (
    select
        model_id,
        feature_name,
        feature_kind,
        feature_role,
        min_batch_size,
        psi_epsilon
    from {{ ref('dim_monitored_features') }}
),

thresholds as (
    select
        model_id,
        feature_name,
        metric_name,
        threshold_direction,
        warn_threshold,
        error_threshold
    from {{ ref('dim_feature_thresholds') }}
),

histograms as (
    select
        model_id,
        batch_id,
        feature_name,
        batch_share,
        reference_share,
        batch_rows,
        reference_rows
    from {{ ref('fct_feature_histograms') }}
),

reference_values as (
    select
        model_id,
        reference_id,
        feature_name,
        numeric_value,
        value_count
    from {{ ref('int_reference_values_counted') }}
    where
        feature_kind = 'numeric'
        and numeric_value is not null
),

batch_values as (
    select
        model_id,
        batch_id,
        feature_name,
        numeric_value,
        value_count
    from {{ ref('int_batch_values_counted') }}
    where
        feature_kind = 'numeric'
        and numeric_value is not null
),

psi_per_feature as (
    select
        histograms.model_id,
        histograms.batch_id,
        histograms.feature_name,
        'psi' as metric_name,
        sum({{ modelwatch.psi_term(
            'histograms.batch_share', 'histograms.reference_share', 'features.psi_epsilon') }})
            as metric_value,
        max(histograms.reference_rows) as reference_size,
        max(histograms.batch_rows) as batch_size,
        max(features.psi_epsilon) as epsilon
    from histograms
    inner join pending_batches
        on
            histograms.model_id = pending_batches.model_id
            and histograms.batch_id = pending_batches.batch_id
    inner join features
        on
            histograms.model_id = features.model_id
            and histograms.feature_name = features.feature_name
    group by 1, 2, 3
),

ks_samples as (
    -- one integer key per pending batch and numeric feature: the KS sort partitions by it
    -- (sorting on three text columns was 3x slower, docs/decisions/0006-performance.md)
    select
        pending_batches.model_id,
        pending_batches.reference_id,
        pending_batches.batch_id,
        features.feature_name,
        row_number() over (
            order by pending_batches.model_id, pending_batches.batch_id, features.feature_name
        ) as sample_key
    from pending_batches
    inner join features
        on pending_batches.model_id = features.model_id
    where features.feature_kind = 'numeric'
),

ks_values as (
    select
        ks_samples.sample_key,
        reference_values.numeric_value,
        reference_values.value_count as reference_count,
        0 as batch_count
    from reference_values
    inner join ks_samples
        on
            reference_values.model_id = ks_samples.model_id
            and reference_values.reference_id = ks_samples.reference_id
            and reference_values.feature_name = ks_samples.feature_name
    union all
    select
        ks_samples.sample_key,
        batch_values.numeric_value,
        0 as reference_count,
        batch_values.value_count as batch_count
    from batch_values
    inner join ks_samples
        on
            batch_values.model_id = ks_samples.model_id
            and batch_values.batch_id = ks_samples.batch_id
            and batch_values.feature_name = ks_samples.feature_name
),

ks_of_present_values as (
    {{ modelwatch.ks_statistic('ks_values', ['sample_key'], 'numeric_value') }}
),

ks_per_feature as (
    -- every sample, also one with no value in the reference nor in the batch: it has no
    -- row in ks_values, and gets a null statistic (insufficient_data) with sizes 0
    select
        ks_samples.model_id,
        ks_samples.batch_id,
        ks_samples.feature_name,
        ks_of_present_values.ks_statistic,
        coalesce(ks_of_present_values.reference_size, 0) as reference_size,
        coalesce(ks_of_present_values.batch_size, 0) as batch_size
    from ks_samples
    left join ks_of_present_values
        on ks_samples.sample_key = ks_of_present_values.sample_key
),

ks_metrics as (
    select
        model_id,
        batch_id,
        feature_name,
        'ks_statistic' as metric_name,
        ks_statistic as metric_value,
        reference_size,
        batch_size,
        cast(null as {{ double }}) as epsilon
    from ks_per_feature
    union all
    select
        model_id,
        batch_id,
        feature_name,
        'ks_pvalue' as metric_name,
        {{ modelwatch.ks_pvalue('ks_statistic', 'reference_size', 'batch_size') }}
            as metric_value,
        reference_size,
        batch_size,
        cast(null as {{ double }}) as epsilon
    from ks_per_feature
),

metrics as (
    select * from psi_per_feature
    union all
    select * from ks_metrics
),

metrics_assessed as (
    select
        metrics.model_id,
        pending_batches.reference_id,
        metrics.batch_id,
        pending_batches.batch_started_at,
        pending_batches.model_version,
        metrics.feature_name,
        features.feature_kind,
        features.feature_role,
        metrics.metric_name,
        cast(metrics.metric_value as {{ double }}) as metric_value,
        metrics.reference_size,
        metrics.batch_size,
        metrics.epsilon,
        thresholds.threshold_direction,
        thresholds.warn_threshold,
        thresholds.error_threshold,
        features.min_batch_size,
        case
            when metrics.metric_value is null then true
            when metrics.batch_size < features.min_batch_size then true
            else false
        end as is_insufficient,
        {{ modelwatch.severity_level(
            'metrics.metric_value', 'thresholds.warn_threshold',
            'thresholds.error_threshold', 'thresholds.threshold_direction') }}
            as threshold_level
    from metrics
    inner join pending_batches
        on
            metrics.model_id = pending_batches.model_id
            and metrics.batch_id = pending_batches.batch_id
    inner join features
        on
            metrics.model_id = features.model_id
            and metrics.feature_name = features.feature_name
    left join thresholds
        on
            metrics.model_id = thresholds.model_id
            and metrics.feature_name = thresholds.feature_name
            and metrics.metric_name = thresholds.metric_name
),

drift as (
    select
        model_id,
        reference_id,
        batch_id,
        batch_started_at,
        model_version,
        feature_name,
        feature_kind,
        feature_role,
        metric_name,
        metric_value,
        reference_size,
        batch_size,
        epsilon,
        threshold_direction,
        warn_threshold,
        error_threshold,
        min_batch_size,
        case when is_insufficient then 0 else threshold_level end as severity_level,
        case
            when is_insufficient then 'insufficient_data'
            when threshold_level = 2 then 'alert'
            when threshold_level = 1 then 'warn'
            else 'ok'
        end as status,
        {{ modelwatch.run_timestamp() }} as computed_at,
        '{{ invocation_id }}' as dbt_invocation_id
    from metrics_assessed
)

select * from drift
