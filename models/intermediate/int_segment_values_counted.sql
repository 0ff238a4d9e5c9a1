{#- The value distribution of every segment of every pending batch: one row per model, batch,
    segment column, segment value, feature and distinct value, with its count. Only the
    batches of this run and only models that declare segments; the log's pending rows are
    read once (docs/decisions/0011-segments.md). -#}
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

segments as (
    select
        model_id,
        segment_column,
        slot_name
    from {{ ref('dim_monitored_segments') }}
),

pending_rows as {{ modelwatch.materialized_cte() }} (
    select *
    from predictions
    where
        {{ modelwatch.pending_segment_models([]) }}
        and {{ modelwatch.pending_batches_filter(registry) }}
),

values_counted as (
    {{ modelwatch.value_counts_by_slot(
        'pending_rows', ['model_id', 'reference_id', 'batch_id'], slots, registry) }}
),

values_named as (
    select
        values_counted.model_id,
        values_counted.reference_id,
        values_counted.batch_id,
        segments.segment_column,
        values_counted.segment_value,
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
    inner join segments
        on
            values_counted.model_id = segments.model_id
            and values_counted.segment_slot = segments.slot_name
)

select * from values_named
