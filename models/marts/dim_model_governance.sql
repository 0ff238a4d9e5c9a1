{#- One row per monitored model: what the governance tests judge (decision 0014), its
    inventory next to its newest monitored batch. A leaf of the DAG on purpose: a failing
    governance test must never stop the drift figures and drift tests from being built. -#}

with

models as (
    select
        model_id,
        registry_file,
        owner,
        validator,
        business_unit,
        risk_tier,
        lifecycle_stage,
        batch_grain,
        sla_days,
        drift_test_count
    from {{ ref('dim_monitored_models') }}
),

batches as (
    select
        model_id,
        batch_id,
        batch_started_at
    from {{ ref('fct_model_batch_status') }}
),

batches_summarised as (
    select
        model_id,
        count(*) as monitored_batch_count,
        max(batch_started_at) as last_batch_started_at
    from batches
    group by 1
),

governed as (
    select
        models.*,
        coalesce(batches_summarised.monitored_batch_count, 0)
            as monitored_batch_count,
        batches_summarised.last_batch_started_at
    from models
    left join batches_summarised
        on models.model_id = batches_summarised.model_id
)

select * from governed
