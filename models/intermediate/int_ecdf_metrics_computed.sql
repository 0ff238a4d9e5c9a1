{#- The drift metrics computed on the exact value distributions of this run's batches, one row
    per model, batch, numeric feature and metric: the KS statistic and its asymptotic p-value,
    and the Wasserstein-1 distance, raw and divided by the reference's standard deviation. On
    DuckDB each is computed from the batch's own values and as-of lookups into the reference's
    frozen ECDF (int_reference_ecdfs_computed): batch-sized work, whatever the reference's
    size; elsewhere, and for the features set to `ecdf_method: merge`, from one sort of the
    merged reference and batch values per sample (decision 0021). The method is a registry
    setting, not chosen per run, so a batch gets the same bits alone or in a full refresh
    (decision 0022). -#}
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

reference_values as (
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

reference_ecdfs as (
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

batch_values as (
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

samples as (
    -- one integer key per pending batch and numeric feature: the sort partitions by it
    -- (sorting on three text columns was 3x slower, docs/decisions/0006-performance.md)
    select
        pending_batches.model_id,
        pending_batches.reference_id,
        pending_batches.batch_id,
        features.feature_name,
        features.ecdf_method,
        row_number() over (
            order by pending_batches.model_id, pending_batches.batch_id, features.feature_name
        ) as sample_key
    from pending_batches
    inner join features
        on pending_batches.model_id = features.model_id
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
