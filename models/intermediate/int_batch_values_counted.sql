{#- The value distribution of every pending batch: one row per model, batch, feature and
    distinct value, with its count. Only the batches of this run, never the history: the
    histograms and the KS statistics both start from here, so the log is scanned once. -#}
{%- set registry = modelwatch.get_registry() -%}
{%- set slots = modelwatch.get_registry_slots(registry) -%}

with

predictions as (
    select * from {{ ref('stg_modelwatch__predictions') }}
),

features as (
    select
        model_id,
        feature_name,
        feature_kind,
        slot_name
    from {{ ref('dim_monitored_features') }}
),

pending_rows as {{ modelwatch.materialized_cte() }} (
    select *
    from predictions
    where {{ modelwatch.pending_batches_filter(registry) }}
),

values_counted as (
    {{ modelwatch.value_counts_by_slot(
        'pending_rows', ['model_id', 'reference_id', 'batch_id'], slots) }}
),

values_named as (
    select
        values_counted.model_id,
        values_counted.reference_id,
        values_counted.batch_id,
        features.feature_name,
        features.feature_kind,
        values_counted.numeric_value,
        values_counted.category_value,
        values_counted.value_count
    from values_counted
    inner join features
        on
            values_counted.model_id = features.model_id
            and values_counted.slot_name = features.slot_name
)

select * from values_named
