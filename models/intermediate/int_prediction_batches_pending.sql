{#- The batches this run (re)computes, one row per model and batch, with their size, time
    span and the model version that served most of their predictions. Which batches are
    pending is decided by modelwatch.pending_batches_filter (new batches, the lookback, and
    reruns asked for with a var). -#}
{%- set registry = modelwatch.get_registry() -%}

with

predictions as (
    select
        model_id,
        reference_id,
        batch_id,
        batch_truncated_at,
        predicted_at,
        model_version,
        is_reference
    from {{ ref('stg_modelwatch__predictions') }}
),

pending_rows as (
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
)

select * from batches
