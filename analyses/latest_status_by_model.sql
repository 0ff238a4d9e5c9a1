-- The latest batch of every monitored model with its status and owner: the morning check.

with

models as (
    select * from {{ ref('dim_monitored_models') }}
),

batches as (
    select * from {{ ref('fct_model_batch_status') }}
),

latest as (
    select
        model_id,
        max(batch_started_at) as batch_started_at
    from batches
    group by model_id
),

latest_status as (
    select
        models.model_id,
        models.owner,
        models.business_unit,
        batches.batch_id,
        batches.batch_rows,
        batches.model_version,
        batches.batch_status,
        batches.drifted_features
    from models
    left join latest
        on models.model_id = latest.model_id
    left join batches
        on
            latest.model_id = batches.model_id
            and latest.batch_started_at = batches.batch_started_at
)

select * from latest_status
order by batch_status = 'alert' desc, model_id
