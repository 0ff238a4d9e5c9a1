-- The PSI of every feature of one model, batch by batch, worst first within a batch.
-- dbt compile --select drift_history_of_model --vars '{model_id: credit_default}'

with

drift as (
    select * from {{ ref('fct_feature_drift') }}
),

history as (
    select
        batch_id,
        feature_name,
        feature_role,
        metric_value as psi,
        status,
        warn_threshold,
        error_threshold
    from drift
    where
        model_id = '{{ var("model_id", "credit_default") }}'
        and metric_name = 'psi'
)

select * from history
order by batch_id desc, psi desc
