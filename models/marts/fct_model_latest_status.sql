{{ config(materialized='view') }}
{#- The morning check across every monitored model: one row per model with its newest
    computed batch (status, data-quality state, drifted features, thresholds in force), how
    many batches are stored and how many alerted, and its last alert. A view: it always reads the ledger as it
    is now, costs nothing to build, and a model with no batch yet shows as 'no_batch'. -#}

with

models as (
    select
        model_id,
        owner,
        business_unit,
        log_source,
        reference_id
    from {{ ref('dim_monitored_models') }}
),

batches as (
    select
        model_id,
        batch_id,
        batch_started_at,
        batch_ended_at,
        batch_rows,
        model_version,
        features_assessed,
        features_alerting,
        features_warning,
        drifted_features,
        batch_status,
        dq_status,
        thresholds_in_force,
        config_hash,
        computed_at
    from {{ ref('fct_model_batch_status') }}
),

batches_ranked as (
    select
        *,
        row_number() over (
            partition by model_id order by batch_started_at desc, batch_id desc
        ) as recency_rank,
        count(*) over (partition by model_id) as batches_stored,
        sum(case when batch_status = 'alert' then 1 else 0 end)
            over (partition by model_id) as batches_alerting,
        max(case when batch_status = 'alert' then batch_id end)
            over (partition by model_id) as last_alert_batch_id
    from batches
),

latest_batches as (
    select *
    from batches_ranked
    where recency_rank = 1
),

latest_status as (
    select
        models.model_id,
        models.owner,
        models.business_unit,
        models.log_source,
        models.reference_id,
        latest_batches.batch_id as latest_batch_id,
        latest_batches.batch_started_at as latest_batch_started_at,
        latest_batches.batch_ended_at as latest_batch_ended_at,
        latest_batches.batch_rows,
        latest_batches.model_version,
        coalesce(latest_batches.batch_status, 'no_batch') as latest_status,
        latest_batches.dq_status as latest_dq_status,
        latest_batches.features_assessed,
        latest_batches.features_alerting,
        latest_batches.features_warning,
        latest_batches.drifted_features,
        latest_batches.thresholds_in_force,
        latest_batches.config_hash,
        coalesce(latest_batches.batches_stored, 0) as batches_stored,
        coalesce(latest_batches.batches_alerting, 0) as batches_alerting,
        latest_batches.last_alert_batch_id,
        latest_batches.computed_at as latest_computed_at
    from models
    left join latest_batches
        on models.model_id = latest_batches.model_id
)

select * from latest_status
