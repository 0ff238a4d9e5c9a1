{#- The drift metrics computed on the exact value distributions of this run's batches, one row
    per model, batch, numeric feature and metric: the KS statistic and its asymptotic p-value,
    and the Wasserstein-1 distance, raw and divided by the reference's standard deviation. On
    DuckDB each is computed from the batch's own values and as-of lookups into the reference's
    frozen ECDF (int_reference_ecdfs_computed): batch-sized work, whatever the reference's
    size; elsewhere, and for the features set to `ecdf_method: merge`, from one sort of the
    merged reference and batch values per sample (decision 0021). The method is a registry
    setting, not chosen per run, so a batch gets the same bits alone or in a full refresh
    (decision 0022). Computed in chunks of batches, the first by this SQL and the others by
    the post-hook, so a full build of a long history does not hold every batch value at once
    (decision 0024). -#}
{{ config(post_hook="{{ modelwatch.insert_ecdf_chunks() }}") }}
{%- set double = modelwatch.type_double() -%}

with

pending_batches as (
    select
        model_id,
        reference_id,
        batch_id
    from {{ ref('int_prediction_batches_pending') }}
),

features as (
    select
        model_id,
        feature_name,
        ecdf_method
    from {{ ref('dim_monitored_features') }}
    where feature_kind = 'numeric'
),

reference_values_counted as (
    select
        model_id,
        reference_id,
        feature_name,
        numeric_value,
        value_count
    from {{ ref('int_reference_values_counted') }}
    where
        feature_kind = 'numeric'
        and numeric_value is not null
),

reference_ecdfs_computed as (
    select
        model_id,
        reference_id,
        feature_name,
        numeric_value,
        value_count,
        cumulative_count,
        reference_size,
        largest_magnitude,
        area_below,
        area_above
    from {{ ref('int_reference_ecdfs_computed') }}
),

reference_moments as (
    select
        model_id,
        reference_id,
        feature_name,
        reference_std
    from {{ ref('int_reference_moments_computed') }}
),

batch_values_counted as (
    select
        model_id,
        batch_id,
        feature_name,
        numeric_value,
        value_count
    from {{ ref('int_batch_values_counted') }}
    where
        feature_kind = 'numeric'
        and numeric_value is not null
),

batch_chunks as (
    {{ modelwatch.ecdf_chunk_plan() }}
),

chunk_batches as (
    -- the batches of one chunk: this SQL computes the first, the post-hook the others
    -- (decision 0024); every large input below is cut down to them first
    select
        pending_batches.model_id,
        pending_batches.reference_id,
        pending_batches.batch_id
    from pending_batches
    inner join batch_chunks
        on
            pending_batches.model_id = batch_chunks.model_id
            and pending_batches.batch_id = batch_chunks.batch_id
    where batch_chunks.chunk_index = {{ modelwatch.ecdf_chunk_marker(0) }}
),

chunk_references as (
    select distinct
        model_id,
        reference_id
    from chunk_batches
),

batch_values as (
    select batch_values_counted.*
    from batch_values_counted
    inner join chunk_batches
        on
            batch_values_counted.model_id = chunk_batches.model_id
            and batch_values_counted.batch_id = chunk_batches.batch_id
),

reference_values as (
    select reference_values_counted.*
    from reference_values_counted
    inner join chunk_references
        on
            reference_values_counted.model_id = chunk_references.model_id
            and reference_values_counted.reference_id = chunk_references.reference_id
),

reference_ecdfs as (
    select reference_ecdfs_computed.*
    from reference_ecdfs_computed
    inner join chunk_references
        on
            reference_ecdfs_computed.model_id = chunk_references.model_id
            and reference_ecdfs_computed.reference_id = chunk_references.reference_id
),

samples as (
    -- one integer key per batch of the chunk and numeric feature: the sort partitions by it
    -- (sorting on three text columns was 3x slower, docs/decisions/0006-performance.md)
    select
        chunk_batches.model_id,
        chunk_batches.reference_id,
        chunk_batches.batch_id,
        features.feature_name,
        features.ecdf_method,
        row_number() over (
            order by chunk_batches.model_id, chunk_batches.batch_id, features.feature_name
        ) as sample_key
    from chunk_batches
    inner join features
        on chunk_batches.model_id = features.model_id
),

lookup_samples as (
    select * from samples
    where ecdf_method = 'lookup'
),

merge_samples as (
    select * from samples
    where ecdf_method = 'merge'
),

-- DuckDB: F_ref looked up at the batch's values (ASOF joins into the frozen ECDF);
-- elsewhere: the reference merged with each batch (decision 0021)
looked_up_distances as (
    {{ modelwatch.ecdf_distances_asof(
        'lookup_samples', 'batch_values', 'reference_values', 'reference_ecdfs') }}
),

merged_distances as (
    {{ modelwatch.ecdf_distances_merged('merge_samples', 'batch_values', 'reference_values') }}
),

distances as (
    select
        sample_key,
        ks_statistic,
        wasserstein_distance,
        reference_size,
        batch_size
    from looked_up_distances
    union all
    select
        sample_key,
        ks_statistic,
        wasserstein_distance,
        reference_size,
        batch_size
    from merged_distances
),

sample_distances as (
    -- every sample, also one with no value in the reference nor in the batch: it has no
    -- row in sample_values, and gets null distances (insufficient_data) with sizes 0
    select
        samples.model_id,
        samples.batch_id,
        samples.feature_name,
        distances.ks_statistic,
        distances.wasserstein_distance,
        distances.wasserstein_distance / nullif(reference_moments.reference_std, 0)
            as wasserstein_normed,
        coalesce(distances.reference_size, 0) as reference_size,
        coalesce(distances.batch_size, 0) as batch_size
    from samples
    left join distances
        on samples.sample_key = distances.sample_key
    left join reference_moments
        on
            samples.model_id = reference_moments.model_id
            and samples.reference_id = reference_moments.reference_id
            and samples.feature_name = reference_moments.feature_name
),

metrics as (
    {%- for metric, expression in [
        ('ks_statistic', 'ks_statistic'),
        ('ks_pvalue', modelwatch.ks_pvalue('ks_statistic', 'reference_size', 'batch_size')),
        ('wasserstein', 'wasserstein_distance'),
        ('wasserstein_normed', 'wasserstein_normed')] %}
    select
        model_id,
        batch_id,
        feature_name,
        '{{ metric }}' as metric_name,
        cast({{ expression }} as {{ double }}) as metric_value,
        reference_size,
        batch_size,
        cast(null as {{ double }}) as epsilon
    from sample_distances
    {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select * from metrics
