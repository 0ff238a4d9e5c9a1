{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_id', 'reference_id'],
    )
}}
{#- The metrics of every chunk of the frozen reference against the whole reference, one row
    per model, reference version, chunk, feature and metric, for the models that learn
    thresholds from their reference (`auto` levels, decision 0009). Chunks are consecutive
    runs of reference rows in timestamp order (prediction id, then a hash of the row's
    values, break ties; a reference table without timestamps is ordered by the hash alone),
    equal in size (`learned_thresholds.chunks`) or of `chunk_rows` rows each (a last, partial
    chunk is left out). Each chunk is measured with the same macros as a batch: binned on the
    frozen bins (binned_value_counts) for the bin metrics (bin_distance_metrics) and the
    chi-square and z-tests (contingency_tests), as int_histogram_metrics_computed, and its
    exact values merged with the whole
    reference's for KS and Wasserstein (ecdf_distances, as int_ecdf_metrics_computed). Frozen: computed once per
    reference version. -#}
{%- set registry = modelwatch.get_registry() -%}
{%- set slots = modelwatch.get_registry_slots(registry) -%}
{#- a version frozen before the KS, Wasserstein and test metrics were learned (no
    ks_statistic nor chi_square_statistic row, which every numeric or categorical feature
    has) is not stored: computed again, once, with every metric -#}
{%- set stored = modelwatch.stored_references(
    this, "metric_name in ('ks_statistic', 'chi_square_statistic')") -%}
{%- set chunking = modelwatch.reference_chunking(registry, stored) -%}
{%- set double = modelwatch.type_double() -%}
{#- the metrics' selects: (metric, value expression, source CTE, filter), unioned below -#}
{%- set blocks = [
    ('psi', 'psi', 'distances', 'true'),
    ('jensen_shannon', 'jensen_shannon', 'distances', 'true'),
    ('hellinger', 'hellinger', 'distances', 'true'),
    ('total_variation', 'total_variation', 'distances', 'true'),
    ('l_infinity', 'l_infinity', 'distances', 'true'),
    ('kl_divergence', 'kl_divergence', 'distances', 'true'),
    ('missing_rate_change', 'missing_rate_change', 'distances', 'true'),
    ('chi_square_statistic', 'chi_square_statistic', 'contingency_metrics', 'true'),
    ('chi_square_pvalue', 'chi_square_pvalue', 'contingency_metrics', 'true'),
    ('z_test_pvalue', 'z_test_pvalue', 'contingency_metrics',
        'reference_level_count = 2'),
    ('ks_statistic', 'ks_statistic', 'ecdf_metrics', 'true'),
    ('ks_pvalue', 'ks_pvalue', 'ecdf_metrics', 'true'),
    ('wasserstein', 'wasserstein', 'ecdf_metrics', 'true'),
    ('wasserstein_normed', 'wasserstein_normed', 'ecdf_metrics', 'true'),
] -%}

with

predictions as (
    select * from {{ ref('stg_modelwatch__predictions') }}
),

features as (
    select
        model_id,
        feature_name,
        feature_kind,
        slot_name,
        psi_epsilon,
        js_log_base
    from {{ ref('dim_monitored_features') }}
),

bins as (
    select
        model_id,
        reference_id,
        feature_name,
        bin_index,
        bin_type,
        lower_edge,
        upper_edge,
        category_value,
        reference_count,
        reference_share
    from {{ ref('dim_feature_bins') }}
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

reference_moments as (
    select
        model_id,
        reference_id,
        feature_name,
        reference_std
    from {{ ref('int_reference_moments_computed') }}
),

reference_rows as (
    select
        *,
        {{ chunking.row_hash }} as row_hash
    from predictions
    where is_reference and {{ chunking.model_filter }}
),

reference_rows_ordered as (
    select
        *,
        row_number() over (
            partition by model_id, reference_id
            order by predicted_at, prediction_id, row_hash
        ) as row_position,
        count(*) over (partition by model_id, reference_id) as reference_rows,
        {{ chunking.chunks }} as chunks_setting,
        {{ chunking.chunk_rows }} as chunk_rows_setting
    from reference_rows
),

chunk_rows as {{ modelwatch.materialized_cte() }} (
    select
        *,
        case
            when chunk_rows_setting is not null
                then floor((row_position - 1) / chunk_rows_setting)
            else floor((row_position - 1) * chunks_setting / reference_rows)
        end as chunk_index,
        case
            when chunk_rows_setting is not null
                then floor(reference_rows / chunk_rows_setting)
            else chunks_setting
        end as chunk_count
    from reference_rows_ordered
),

complete_chunk_rows as {{ modelwatch.materialized_cte() }} (
    select *
    from chunk_rows
    where chunk_index < chunk_count
),

values_counted as (
    {{ modelwatch.value_counts_by_slot(
        'complete_chunk_rows', ['model_id', 'reference_id', 'chunk_index'], slots) }}
),

chunk_values as (
    select
        values_counted.model_id,
        values_counted.reference_id,
        cast(values_counted.chunk_index as {{ dbt.type_int() }}) as chunk_index,
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
),

bin_counts as (
    {{ modelwatch.binned_value_counts(
        'chunk_values', ['model_id', 'reference_id', 'chunk_index'], 'bins') }}
),

chunk_sizes as (
    select
        model_id,
        reference_id,
        chunk_index,
        feature_name,
        sum(value_count) as chunk_rows
    from chunk_values
    group by model_id, reference_id, chunk_index, feature_name
),

chunk_histograms as (
    select
        chunk_sizes.model_id,
        chunk_sizes.reference_id,
        chunk_sizes.chunk_index,
        chunk_sizes.feature_name,
        chunk_sizes.chunk_rows,
        bins.bin_index,
        bins.bin_type,
        bins.reference_count,
        bins.reference_share,
        features.feature_kind,
        features.psi_epsilon,
        features.js_log_base,
        -- the chunk is the sample measured: its count and share take the batch's names
        coalesce(bin_counts.bin_count, 0) as batch_count,
        cast(coalesce(bin_counts.bin_count, 0) as {{ double }})
        / chunk_sizes.chunk_rows as batch_share
    from chunk_sizes
    inner join bins
        on
            chunk_sizes.model_id = bins.model_id
            and chunk_sizes.reference_id = bins.reference_id
            and chunk_sizes.feature_name = bins.feature_name
    inner join features
        on
            chunk_sizes.model_id = features.model_id
            and chunk_sizes.feature_name = features.feature_name
    left join bin_counts
        on
            chunk_sizes.model_id = bin_counts.model_id
            and chunk_sizes.reference_id = bin_counts.reference_id
            and chunk_sizes.chunk_index = bin_counts.chunk_index
            and chunk_sizes.feature_name = bin_counts.feature_name
            and bins.bin_index = bin_counts.bin_index
),

distances as (
    {{ modelwatch.bin_distance_metrics(
        'chunk_histograms', ['model_id', 'reference_id', 'chunk_index'], ['chunk_rows']) }}
),

contingency_metrics as (
    {#- every categorical feature of every chunk; a chunk without a present value has null
        tests, as a batch (int_histogram_metrics_computed) #}
    {{ modelwatch.contingency_tests(
        'chunk_histograms', ['model_id', 'reference_id', 'chunk_index'], ['chunk_rows']) }}
),

ecdf_samples as (
    -- one integer key per chunk and numeric feature: ecdf_distances partitions by it
    select
        chunk_sizes.model_id,
        chunk_sizes.reference_id,
        chunk_sizes.chunk_index,
        chunk_sizes.feature_name,
        chunk_sizes.chunk_rows,
        row_number() over (
            order by
                chunk_sizes.model_id,
                chunk_sizes.reference_id,
                chunk_sizes.chunk_index,
                chunk_sizes.feature_name
        ) as sample_key
    from chunk_sizes
    inner join features
        on
            chunk_sizes.model_id = features.model_id
            and chunk_sizes.feature_name = features.feature_name
    where features.feature_kind = 'numeric'
),

ecdf_values as (
    -- each chunk's values against the whole reference's: the reference is repeated once
    -- per chunk (at most ~10 per reference version, computed once when it is frozen)
    select
        ecdf_samples.sample_key,
        reference_values.numeric_value,
        reference_values.value_count as reference_count,
        0 as batch_count
    from reference_values
    inner join ecdf_samples
        on
            reference_values.model_id = ecdf_samples.model_id
            and reference_values.reference_id = ecdf_samples.reference_id
            and reference_values.feature_name = ecdf_samples.feature_name
    union all
    select
        ecdf_samples.sample_key,
        chunk_values.numeric_value,
        0 as reference_count,
        chunk_values.value_count as batch_count
    from chunk_values
    inner join ecdf_samples
        on
            chunk_values.model_id = ecdf_samples.model_id
            and chunk_values.reference_id = ecdf_samples.reference_id
            and chunk_values.chunk_index = ecdf_samples.chunk_index
            and chunk_values.feature_name = ecdf_samples.feature_name
    where chunk_values.numeric_value is not null
),

ecdf_distances as (
    {{ modelwatch.ecdf_distances('ecdf_values', ['sample_key'], 'numeric_value') }}
),

ecdf_metrics as (
    select
        ecdf_samples.model_id,
        ecdf_samples.reference_id,
        ecdf_samples.chunk_index,
        ecdf_samples.feature_name,
        ecdf_samples.chunk_rows,
        ecdf_distances.ks_statistic,
        {{ modelwatch.ks_pvalue(
            'ecdf_distances.ks_statistic', 'ecdf_distances.reference_size',
            'ecdf_distances.batch_size') }} as ks_pvalue,
        ecdf_distances.wasserstein_distance as wasserstein,
        ecdf_distances.wasserstein_distance / nullif(reference_moments.reference_std, 0)
            as wasserstein_normed
    from ecdf_samples
    left join ecdf_distances
        on ecdf_samples.sample_key = ecdf_distances.sample_key
    left join reference_moments
        on
            ecdf_samples.model_id = reference_moments.model_id
            and ecdf_samples.reference_id = reference_moments.reference_id
            and ecdf_samples.feature_name = reference_moments.feature_name
),

metrics as (
    {%- for metric, expression, relation, condition in blocks %}
    select
        model_id,
        reference_id,
        chunk_index,
        feature_name,
        '{{ metric }}' as metric_name,
        cast({{ expression }} as {{ double }}) as metric_value,
        cast(chunk_rows as {{ dbt.type_bigint() }}) as chunk_rows
    from {{ relation }}
    where {{ condition }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select * from metrics
