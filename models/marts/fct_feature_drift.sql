{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_id', 'batch_id'],
        on_schema_change='append_new_columns',
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
        batch_rows,
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
        error_threshold,
        threshold_source,
        is_warn_learned,
        is_error_learned
    from {{ ref('dim_feature_thresholds') }}
),

learned_thresholds as (
    -- levels learned from the chunks of each reference version (decision 0009)
    select
        model_id,
        reference_id,
        feature_name,
        metric_name,
        chunk_count,
        k,
        is_learned,
        not_learned_reason,
        warn_threshold,
        error_threshold,
        is_error_clamped
    from {{ ref('dim_learned_thresholds') }}
),

default_methods as (
    select
        feature_class,
        metric_name,
        min_batch_rows
    from {{ ref('dim_default_methods') }}
),

reference_levels as (
    -- categorical features with at most two reference levels are 'binary' in the default
    -- method table (decision 0008)
    select
        model_id,
        reference_id,
        feature_name,
        sum(case when bin_type = 'level' then 1 else 0 end) as reference_level_count
    from {{ ref('dim_feature_bins') }}
    group by 1, 2, 3
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

metrics_in_force as (
    -- which metrics are judged in this batch, and why: explicit registry thresholds and a
    -- registry `methods` list always; the default table by feature class from a batch size
    -- on, picked here from the batch's rows (decision 0008)
    select
        metrics.*,
        pending_batches.reference_id,
        pending_batches.batch_started_at,
        pending_batches.batch_rows,
        pending_batches.model_version,
        features.feature_kind,
        features.feature_role,
        features.min_batch_size,
        case
            when features.feature_role = 'score' then 'score'
            when features.feature_kind = 'numeric' then 'numeric'
            when reference_levels.reference_level_count <= 2 then 'binary'
            else features.feature_kind
        end as feature_class,
        thresholds.threshold_source,
        thresholds.threshold_direction,
        case
            when thresholds.is_warn_learned then learned_thresholds.warn_threshold
            else thresholds.warn_threshold
        end as configured_warn_threshold,
        case
            when thresholds.is_error_learned then learned_thresholds.error_threshold
            else thresholds.error_threshold
        end as configured_error_threshold,
        coalesce(thresholds.is_warn_learned or thresholds.is_error_learned, false)
            as uses_learned_threshold,
        coalesce(learned_thresholds.is_learned, false) as is_learned,
        coalesce(
            learned_thresholds.not_learned_reason,
            'the reference holds fewer rows than two chunks'
        ) as not_learned_reason,
        learned_thresholds.chunk_count as learned_chunk_count,
        learned_thresholds.k as learned_k,
        coalesce(thresholds.is_error_learned and learned_thresholds.is_error_clamped, false)
            as is_learned_error_clamped
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
    left join reference_levels
        on
            pending_batches.model_id = reference_levels.model_id
            and pending_batches.reference_id = reference_levels.reference_id
            and metrics.feature_name = reference_levels.feature_name
    left join learned_thresholds
        on
            pending_batches.model_id = learned_thresholds.model_id
            and pending_batches.reference_id = learned_thresholds.reference_id
            and metrics.feature_name = learned_thresholds.feature_name
            and metrics.metric_name = learned_thresholds.metric_name
),

metrics_enforced as (
    select
        metrics_in_force.*,
        default_methods.min_batch_rows as default_min_batch_rows,
        case
            when metrics_in_force.threshold_source = 'not_in_force' then false
            when metrics_in_force.threshold_source = 'default_table'
                then coalesce(
                    metrics_in_force.batch_rows >= default_methods.min_batch_rows, false
                )
            else true
        end as is_enforced
    from metrics_in_force
    left join default_methods
        on
            metrics_in_force.feature_class = default_methods.feature_class
            and metrics_in_force.metric_name = default_methods.metric_name
),

metrics_judged as (
    select
        *,
        case
            when is_enforced then configured_warn_threshold
        end as warn_threshold,
        case
            when is_enforced then configured_error_threshold
        end as error_threshold,
        case
            when uses_learned_threshold and not is_learned
                then 'registry thresholds, auto: not learned: ' || not_learned_reason
            when uses_learned_threshold
                then
                    'registry thresholds, auto: learned from '
                    || cast(learned_chunk_count as {{ dbt.type_string() }})
                    || ' reference chunks, '
                    || case
                        when threshold_direction = 'below' then 'mean - k sd'
                        else 'mean + k sd'
                    end
                    || case
                        when is_learned_error_clamped then ', error level clamped at 0'
                        else ''
                    end
            when threshold_source = 'registry_thresholds' then 'registry thresholds'
            when threshold_source = 'registry_methods' then 'registry methods'
            when threshold_source = 'not_in_force' then 'not in force'
            when threshold_source = 'multivariate_check' then 'multivariate check'
            when default_min_batch_rows is null
                then 'default table: not for ' || feature_class
            when is_enforced and default_min_batch_rows = 0
                then 'default table: ' || feature_class || ', every batch'
            when is_enforced
                then
                    'default table: ' || feature_class || ', batch rows >= '
                    || cast(default_min_batch_rows as {{ dbt.type_string() }})
            when threshold_source = 'default_table'
                then
                    'default table: ' || feature_class || ' from batch rows '
                    || cast(default_min_batch_rows as {{ dbt.type_string() }})
            else 'thresholds as stored'
        end as threshold_rule
    from metrics_enforced
),

metrics_assessed as (
    select
        model_id,
        reference_id,
        batch_id,
        batch_started_at,
        model_version,
        feature_name,
        feature_kind,
        feature_role,
        feature_class,
        metric_name,
        cast(metric_value as {{ double }}) as metric_value,
        cast(assessed_value as {{ double }}) as assessed_value,
        pvalue_adjustment,
        reference_size,
        batch_size,
        batch_rows,
        epsilon,
        threshold_direction,
        warn_threshold,
        error_threshold,
        is_enforced,
        threshold_source,
        threshold_rule,
        min_batch_size,
        case
            when metric_value is null then true
            when batch_size < min_batch_size then true
            -- an `auto` level the reference could not teach: never judged on noise
            when uses_learned_threshold and not is_learned then true
            else false
        end as is_insufficient,
        {{ modelwatch.severity_level(
            'assessed_value', 'warn_threshold', 'error_threshold', 'threshold_direction') }}
            as threshold_level
    from metrics_judged
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
        feature_class,
        metric_name,
        metric_value,
        assessed_value,
        pvalue_adjustment,
        reference_size,
        batch_size,
        batch_rows,
        epsilon,
        threshold_direction,
        warn_threshold,
        error_threshold,
        is_enforced,
        threshold_source,
        threshold_rule,
        min_batch_size,
        case when is_insufficient then 0 else threshold_level end as severity_level,
        {{ modelwatch.drift_status('threshold_level', 'is_insufficient') }} as status,
        {{ modelwatch.run_timestamp() }} as computed_at,
        '{{ invocation_id }}' as dbt_invocation_id
    from metrics_assessed
)

select * from drift
