{{ config(materialized='view') }}
{#- What the retrain policy (scripts/retrain_handoff.py, decision 0019) needs to decide, in
    one relation read with one `dbt show`: one row per model and batch (signal_kind 'batch',
    with its model version, retrain window and the model's policy), plus one row per drift
    figure at warning level or above ('drift') and one per blocking data-quality failure
    ('quality') of that batch. -#}
{%- set text = dbt.type_string() -%}
{%- set double = modelwatch.type_double() -%}

with

batches as (
    select
        model_id,
        reference_id,
        batch_id,
        batch_started_at,
        model_version,
        retrain_window_started_at,
        retrain_window_ended_at
    from {{ ref('fct_model_batch_status') }}
),

policies as (
    select
        model_id,
        persistence_k,
        persistence_n,
        hysteresis,
        cooldown_days,
        budget_per_quarter,
        quality_gate
    from {{ ref('dim_retrain_policies') }}
),

drift as (
    select
        model_id,
        batch_id,
        feature_name,
        metric_name,
        metric_value,
        severity_level
    from {{ ref('fct_feature_drift') }}
    where severity_level >= 1
),

quality_failures as (
    select
        model_id,
        batch_id,
        check_name,
        column_name,
        message
    from {{ ref('fct_batch_quality') }}
    where status = 'fail' and is_blocking
),

batch_signals as (
    select
        'batch' as signal_kind,
        batches.model_id,
        batches.batch_id,
        batches.batch_started_at,
        batches.model_version,
        batches.reference_id,
        batches.retrain_window_started_at,
        batches.retrain_window_ended_at,
        cast(null as {{ text }}) as feature_name,
        cast(null as {{ text }}) as metric_name,
        cast(null as {{ double }}) as metric_value,
        cast(null as {{ dbt.type_int() }}) as severity_level,
        cast(null as {{ text }}) as check_name,
        cast(null as {{ text }}) as quality_message,
        policies.persistence_k,
        policies.persistence_n,
        policies.hysteresis,
        policies.cooldown_days,
        policies.budget_per_quarter,
        policies.quality_gate
    from batches
    inner join policies
        on batches.model_id = policies.model_id
),

drift_signals as (
    select
        'drift' as signal_kind,
        model_id,
        batch_id,
        cast(null as {{ dbt.type_timestamp() }}) as batch_started_at,
        cast(null as {{ text }}) as model_version,
        cast(null as {{ text }}) as reference_id,
        cast(null as {{ dbt.type_timestamp() }}) as retrain_window_started_at,
        cast(null as {{ dbt.type_timestamp() }}) as retrain_window_ended_at,
        feature_name,
        metric_name,
        metric_value,
        severity_level,
        cast(null as {{ text }}) as check_name,
        cast(null as {{ text }}) as quality_message,
        cast(null as {{ dbt.type_int() }}) as persistence_k,
        cast(null as {{ dbt.type_int() }}) as persistence_n,
        cast(null as {{ dbt.type_boolean() }}) as hysteresis,
        cast(null as {{ dbt.type_int() }}) as cooldown_days,
        cast(null as {{ dbt.type_int() }}) as budget_per_quarter,
        cast(null as {{ dbt.type_boolean() }}) as quality_gate
    from drift
),

quality_signals as (
    select
        'quality' as signal_kind,
        model_id,
        batch_id,
        cast(null as {{ dbt.type_timestamp() }}) as batch_started_at,
        cast(null as {{ text }}) as model_version,
        cast(null as {{ text }}) as reference_id,
        cast(null as {{ dbt.type_timestamp() }}) as retrain_window_started_at,
        cast(null as {{ dbt.type_timestamp() }}) as retrain_window_ended_at,
        column_name as feature_name,
        cast(null as {{ text }}) as metric_name,
        cast(null as {{ double }}) as metric_value,
        cast(null as {{ dbt.type_int() }}) as severity_level,
        check_name,
        message as quality_message,
        cast(null as {{ dbt.type_int() }}) as persistence_k,
        cast(null as {{ dbt.type_int() }}) as persistence_n,
        cast(null as {{ dbt.type_boolean() }}) as hysteresis,
        cast(null as {{ dbt.type_int() }}) as cooldown_days,
        cast(null as {{ dbt.type_int() }}) as budget_per_quarter,
        cast(null as {{ dbt.type_boolean() }}) as quality_gate
    from quality_failures
),

signals as (
    select * from batch_signals
    union all
    select * from drift_signals
    union all
    select * from quality_signals
)

select * from signals
