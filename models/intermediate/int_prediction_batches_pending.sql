{#- The batches this run (re)computes, one row per model and batch, with their size, time
    span, the model version that served most of their predictions and how many rows repeat a
    prediction id. Which batches are pending is decided by modelwatch.pending_batches_filter
    (new batches, the lookback, and reruns asked for with a var). -#}
{%- set registry = modelwatch.get_registry() -%}

with

predictions as (
    select
        model_id,
        reference_id,
        batch_id,
        batch_truncated_at,
        prediction_id,
        predicted_at,
        model_version,
        is_reference
    from {{ ref('stg_modelwatch__predictions') }}
),

pending_rows as {{ modelwatch.materialized_cte() }} (
    select *
    from predictions
    where {{ modelwatch.pending_batches_filter(registry) }}
),

versions_counted as (
    select
        model_id,
        reference_id,
        batch_id,
        model_version,
        count(*) as version_rows,
        min(batch_truncated_at) as batch_truncated_at,
        min(predicted_at) as first_predicted_at,
        max(predicted_at) as last_predicted_at
    from pending_rows
    group by 1, 2, 3, 4
),

prediction_ids_counted as (
    -- for the data-quality check (fct_batch_quality): rows whose prediction id repeats one
    -- already seen in the batch, in the same scan of the log
    select
        model_id,
        batch_id,
        count(prediction_id) - count(distinct prediction_id) as duplicate_prediction_ids
    from pending_rows
    group by 1, 2
),

versions_ranked as (
    select
        *,
        row_number() over (
            partition by model_id, batch_id
            order by version_rows desc, model_version asc
        ) as version_rank
    from versions_counted
),

batches as (
    select
        model_id,
        reference_id,
        batch_id,
        coalesce(min(batch_truncated_at), min(first_predicted_at)) as batch_started_at,
        max(last_predicted_at) as batch_ended_at,
        min(first_predicted_at) as first_predicted_at,
        cast(sum(version_rows) as {{ dbt.type_bigint() }}) as batch_rows,
        max(case when version_rank = 1 then model_version end) as model_version,
        count(distinct model_version) as model_version_count
    from versions_ranked
    group by 1, 2, 3
),

batches_with_ids as (
    select
        batches.*,
        cast(prediction_ids_counted.duplicate_prediction_ids as {{ dbt.type_bigint() }})
            as duplicate_prediction_ids
    from batches
    inner join prediction_ids_counted
        on
            batches.model_id = prediction_ids_counted.model_id
            and batches.batch_id = prediction_ids_counted.batch_id
)

select * from batches_with_ids
