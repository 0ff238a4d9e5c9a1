{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_id', 'batch_id'],
        on_schema_change='append_new_columns',
    )
}}
{#- One row per monitored model and batch: its size, time span, model version, how many
    features drifted and which, its overall status, and the window of fresh data a retrain
    would use. It is also the ledger that tells later runs which batches are already done
    (modelwatch.pending_batches_filter). -#}

with

pending_batches as (
    select
        model_id,
        reference_id,
        batch_id,
        batch_started_at,
        batch_ended_at,
        batch_rows,
        model_version,
        model_version_count
    from {{ ref('int_prediction_batches_pending') }}
),

models as (
    select
        model_id,
        retrain_window_days
    from {{ ref('dim_monitored_models') }}
),

registry_hashes as (
    select
        model_id,
        config_hash,
        thresholds_in_force
    from {{ ref('int_registry_entries_hashed') }}
),

drift as (
    select
        model_id,
        batch_id,
        feature_name,
        severity_level,
        status
    from {{ ref('fct_feature_drift') }}
),

batch_quality as (
    select
        model_id,
        batch_id,
        severity_level
    from {{ ref('fct_batch_quality') }}
),

quality_of_pending as (
    -- the worst data-quality check of each batch (fct_batch_quality, decision 0018)
    select
        batch_quality.model_id,
        batch_quality.batch_id,
        max(batch_quality.severity_level) as dq_severity_level
    from batch_quality
    inner join pending_batches
        on
            batch_quality.model_id = pending_batches.model_id
            and batch_quality.batch_id = pending_batches.batch_id
    group by 1, 2
),

drift_of_pending as (
    select drift.*
    from drift
    inner join pending_batches
        on
            drift.model_id = pending_batches.model_id
            and drift.batch_id = pending_batches.batch_id
),

features_assessed as (
    select
        model_id,
        batch_id,
        feature_name,
        max(severity_level) as severity_level,
        min(case when status = 'insufficient_data' then 1 else 0 end) as is_insufficient
    from drift_of_pending
    group by 1, 2, 3
),

batch_drift as (
    select
        model_id,
        batch_id,
        cast(count(*) as {{ dbt.type_int() }}) as features_assessed,
        cast(sum(case when severity_level = 2 then 1 else 0 end) as {{ dbt.type_int() }})
            as features_alerting,
        cast(sum(case when severity_level = 1 then 1 else 0 end) as {{ dbt.type_int() }})
            as features_warning,
        cast(sum(is_insufficient) as {{ dbt.type_int() }}) as features_insufficient,
        max(severity_level) as max_severity_level
    from features_assessed
    group by 1, 2
),

drifted_feature_lists as (
    select
        model_id,
        batch_id,
        {{ dbt.listagg('feature_name', "', '", 'order by feature_name') }} as drifted_features
    from features_assessed
    where severity_level = 2
    group by 1, 2
),

batch_status as (
    select
        pending_batches.model_id,
        pending_batches.reference_id,
        pending_batches.batch_id,
        pending_batches.batch_started_at,
        pending_batches.batch_ended_at,
        pending_batches.batch_rows,
        pending_batches.model_version,
        pending_batches.model_version_count,
        coalesce(batch_drift.features_assessed, 0) as features_assessed,
        coalesce(batch_drift.features_alerting, 0) as features_alerting,
        coalesce(batch_drift.features_warning, 0) as features_warning,
        coalesce(batch_drift.features_insufficient, 0) as features_insufficient,
        drifted_feature_lists.drifted_features,
        coalesce(batch_drift.max_severity_level, 0) as max_severity_level,
        case
            when batch_drift.max_severity_level = 2 then 'alert'
            when batch_drift.max_severity_level = 1 then 'warn'
            when batch_drift.features_insufficient = batch_drift.features_assessed
                then 'insufficient_data'
            else 'ok'
        end as batch_status,
        case quality_of_pending.dq_severity_level
            when 2 then 'fail'
            when 1 then 'warn'
            else 'pass'
        end as dq_status,
        {{ dbt.dateadd(
            'day', '-1 * models.retrain_window_days', 'pending_batches.batch_ended_at') }}
            as retrain_window_started_at,
        pending_batches.batch_ended_at as retrain_window_ended_at,
        registry_hashes.thresholds_in_force,
        registry_hashes.config_hash,
        {{ modelwatch.run_timestamp() }} as computed_at,
        '{{ invocation_id }}' as dbt_invocation_id
    from pending_batches
    inner join models
        on pending_batches.model_id = models.model_id
    left join registry_hashes
        on pending_batches.model_id = registry_hashes.model_id
    left join batch_drift
        on
            pending_batches.model_id = batch_drift.model_id
            and pending_batches.batch_id = batch_drift.batch_id
    left join drifted_feature_lists
        on
            pending_batches.model_id = drifted_feature_lists.model_id
            and pending_batches.batch_id = drifted_feature_lists.batch_id
    left join quality_of_pending
        on
            pending_batches.model_id = quality_of_pending.model_id
            and pending_batches.batch_id = quality_of_pending.batch_id
)

select * from batch_status
