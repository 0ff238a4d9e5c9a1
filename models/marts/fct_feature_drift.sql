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
    Bin-based metrics come from int_histogram_metrics_computed, the KS and Wasserstein family
    from int_ecdf_metrics_computed, the multivariate check (feature `_multivariate`) from
    int_multivariate_metrics_computed.
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

models as (
    select
        model_id,
        multiple_testing
    from {{ ref('dim_monitored_models') }}
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

histogram_metrics as (
    select * from {{ ref('int_histogram_metrics_computed') }}
),

ecdf_metrics as (
    select * from {{ ref('int_ecdf_metrics_computed') }}
),

multivariate_metrics as (
    select * from {{ ref('int_multivariate_metrics_computed') }}
),

metrics as (
    select * from histogram_metrics
    union all
    select * from ecdf_metrics
    union all
    select * from multivariate_metrics
),

metrics_ranked as (
    -- the p-values of one model, batch and metric form one family for multiple-testing
    -- control (docs/drift-statistics.md)
    select
        metrics.*,
        models.multiple_testing,
        case
            when
                metrics.metric_name in (
                {%- for metric, spec in modelwatch.get_metric_catalog().items()
                    if spec.direction == 'below' %}
                    '{{ metric }}'{{ ',' if not loop.last }}
                    {%- endfor %}
                )
                then count(metrics.metric_value) over pvalue_family
        end as family_size,
        row_number() over (
            partition by metrics.model_id, metrics.batch_id, metrics.metric_name
            order by metrics.metric_value
        ) as family_rank
    from metrics
    inner join models
        on metrics.model_id = models.model_id
    window pvalue_family as (partition by metrics.model_id, metrics.batch_id, metrics.metric_name)
),

metrics_adjusted as (
    select
        *,
        case
            when family_size is null or metric_value is null then metric_value
            when multiple_testing = 'bonferroni' then least(1.0, metric_value * family_size)
            when multiple_testing = 'benjamini_hochberg'
                then least(1.0, min(metric_value * family_size / family_rank) over (
                    partition by model_id, batch_id, metric_name
                    order by family_rank desc
                    rows between unbounded preceding and current row
                ))
            else metric_value
        end as assessed_value,
        case when family_size is not null then multiple_testing end as pvalue_adjustment
    from metrics_ranked
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
        cast(metrics.assessed_value as {{ double }}) as assessed_value,
        metrics.pvalue_adjustment,
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
            'metrics.assessed_value', 'thresholds.warn_threshold',
            'thresholds.error_threshold', 'thresholds.threshold_direction') }}
            as threshold_level
    from metrics_adjusted as metrics
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
        assessed_value,
        pvalue_adjustment,
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
