{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_id', 'segmentation_id'],
    )
}}
{#- The reference's value distribution per segment, frozen: one row per model, segmentation
    (reference version and segment columns), segment column, segment value, feature and
    distinct value, with its count. A segment's reference is the reference rows of the same
    segment. Computed once per segmentation; later runs add only new ones. -#}
{%- set registry = modelwatch.get_registry() -%}
{%- set slots = modelwatch.get_registry_slots(registry) -%}
{%- set stored = modelwatch.stored_segmentations(this) -%}

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
        segmentation_id,
        segment_column,
        slot_name
    from {{ ref('dim_monitored_segments') }}
),

reference_rows as {{ modelwatch.materialized_cte() }} (
    select *
    from predictions
    where
        is_reference
        and {{ modelwatch.pending_segment_models(stored) }}
),

values_counted as (
    {{ modelwatch.value_counts_by_slot(
        'reference_rows', ['model_id', 'reference_id'], slots, registry) }}
),

values_named as (
    select
        values_counted.model_id,
        values_counted.reference_id,
        segments.segmentation_id,
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
