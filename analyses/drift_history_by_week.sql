-- Drift history by model, feature and week: the worst PSI and the worst status over every
-- metric, week by week (daily batches roll up to their week). Narrow it with vars:
-- dbt compile --select drift_history_by_week --vars '{model_id: credit_default}'
-- dbt compile --select drift_history_by_week --vars '{model_id: credit_default, feature: income}'
{%- set model_id = var('model_id', none) -%}
{%- set feature = var('feature', none) -%}
{%- set model_sql = modelwatch.string_literal(model_id) if model_id else 'model_id' -%}
{%- set feature_sql = modelwatch.string_literal(feature) if feature else 'feature_name' %}

with

drift as (
    select
        model_id,
        batch_id,
        batch_started_at,
        feature_name,
        feature_role,
        metric_name,
        metric_value,
        severity_level,
        status
    from {{ ref('fct_feature_drift') }}
),

drift_selected as (
    select
        *,
        {{ dbt.date_trunc('week', 'batch_started_at') }} as week_started_at
    from drift
    where
        model_id = {{ model_sql }}
        and feature_name = {{ feature_sql }}
),

weekly as (
    select
        model_id,
        feature_name,
        feature_role,
        week_started_at,
        count(distinct batch_id) as batches,
        max(case when metric_name = 'psi' then metric_value end) as worst_psi,
        max(severity_level) as worst_severity_level,
        max(case when status = 'insufficient_data' then 1 else 0 end) as has_insufficient_data,
        {{ dbt.listagg(
            "distinct case when severity_level = 2 then metric_name end", "', '") }}
            as metrics_alerting
    from drift_selected
    group by 1, 2, 3, 4
),

history as (
    select
        model_id,
        feature_name,
        feature_role,
        week_started_at,
        batches,
        worst_psi,
        metrics_alerting,
        case
            when worst_severity_level = 2 then 'alert'
            when worst_severity_level = 1 then 'warn'
            when has_insufficient_data = 1 then 'insufficient_data'
            else 'ok'
        end as worst_status
    from weekly
)

select * from history
order by 1, 2, 4
