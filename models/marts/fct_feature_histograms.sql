{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_id', 'batch_id'],
    )
}}
{#- One row per model, batch, feature and frozen bin: how many of the batch's rows fell in
    the bin, next to the reference's count and share in the same bin. Every bin of the
    reference appears for every batch (zero-filled), so a histogram reads straight off.
    Incremental: a run writes only its pending batches, replacing any earlier rows of them. -#}
{%- set double = modelwatch.type_double() -%}

with

pending_batches as (
    select
        model_id,
        reference_id,
        batch_id,
        batch_started_at,
        model_version
    from {{ ref('int_prediction_batches_pending') }}
),

batch_values as (
    select
        model_id,
        reference_id,
        batch_id,
        feature_name,
        feature_kind,
        numeric_value,
        category_value,
        value_count
    from {{ ref('int_batch_values_counted') }}
),

bins as (
    select
        model_id,
        reference_id,
        feature_name,
        feature_kind,
        bin_index,
        bin_type,
        bin_label,
        lower_edge,
        upper_edge,
        category_value,
        reference_count,
        reference_rows,
        reference_share
    from {{ ref('dim_feature_bins') }}
),

bin_counts as (
    {{ modelwatch.binned_value_counts('batch_values', ['model_id', 'batch_id'], 'bins') }}
),

batch_sizes as (
    select
        model_id,
        batch_id,
        feature_name,
        cast(sum(value_count) as {{ dbt.type_bigint() }}) as batch_rows
    from batch_values
    group by 1, 2, 3
),

histograms as (
    select
        pending_batches.model_id,
        pending_batches.reference_id,
        pending_batches.batch_id,
        pending_batches.batch_started_at,
        pending_batches.model_version,
        bins.feature_name,
        bins.feature_kind,
        bins.bin_index,
        bins.bin_type,
        bins.bin_label,
        bins.lower_edge,
        bins.upper_edge,
        bins.category_value,
        coalesce(bin_counts.bin_count, 0) as batch_count,
        batch_sizes.batch_rows,
        cast(coalesce(bin_counts.bin_count, 0) as {{ double }})
        / nullif(batch_sizes.batch_rows, 0) as batch_share,
        bins.reference_count,
        bins.reference_rows,
        bins.reference_share
    from pending_batches
    inner join bins
        on
            pending_batches.model_id = bins.model_id
            and pending_batches.reference_id = bins.reference_id
    inner join batch_sizes
        on
            pending_batches.model_id = batch_sizes.model_id
            and pending_batches.batch_id = batch_sizes.batch_id
            and bins.feature_name = batch_sizes.feature_name
    left join bin_counts
        on
            pending_batches.model_id = bin_counts.model_id
            and pending_batches.batch_id = bin_counts.batch_id
            and bins.feature_name = bin_counts.feature_name
            and bins.bin_index = bin_counts.bin_index
)

select * from histograms
