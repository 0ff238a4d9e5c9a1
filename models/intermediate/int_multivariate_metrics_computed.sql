{#- The multivariate drift check of this run's batches, one row per model, batch and metric
    under the feature name `_multivariate`: the maximum mean discrepancy between the batch and
    the reference with random Fourier features (mmd = MMD^2 = |mean e(batch) - mean
    e(reference)|^2, e the embedding) and its p-value against the chi-square approximation of
    its null distribution (mmd_pvalue). One scan of the pending rows; derivation in
    docs/multivariate-drift.md. -#}
{%- set registry = modelwatch.get_registry() -%}
{%- set slots = modelwatch.get_registry_slots(registry) -%}
{%- set double = modelwatch.type_double() -%}

with

predictions as (
    select * from {{ ref('stg_modelwatch__predictions') }}
),

features as (
    select
        model_id,
        feature_name,
        slot_name
    from {{ ref('dim_monitored_features') }}
),

moments as (
    select
        model_id,
        reference_id,
        feature_name,
        reference_mean,
        reference_std
    from {{ ref('int_reference_moments_computed') }}
),

frequencies as (
    select * from {{ ref('dim_multivariate_frequencies') }}
),

reference_embeddings as (
    select
        model_id,
        reference_id,
        embedding_id,
        dimension_index,
        embedding_mean
    from {{ ref('int_reference_embeddings_averaged') }}
),

reference_spreads as (
    select
        model_id,
        reference_id,
        embedding_id,
        reference_size,
        covariance_trace,
        covariance_trace_squared
    from {{ ref('int_reference_embedding_spreads_estimated') }}
),

pending_rows as {{ modelwatch.materialized_cte() }} (
    select *
    from predictions
    where
        {{ modelwatch.pending_embedding_models([]) }}
        and {{ modelwatch.pending_batches_filter(registry) }}
),

moments_by_slot as (
    select
        moments.model_id,
        moments.reference_id,
        features.slot_name,
        moments.reference_mean,
        moments.reference_std
    from moments
    inner join features
        on
            moments.model_id = features.model_id
            and moments.feature_name = features.feature_name
),

rows_embedded as (
    {{ modelwatch.rff_embedding(
        'pending_rows', 'moments_by_slot', 'frequencies',
        ['model_id', 'reference_id', 'batch_id'], slots) }}
),

batch_embeddings as (
    select
        model_id,
        reference_id,
        batch_id,
        embedding_id,
        dimension_index,
        count(*) as batch_size,
        {{ modelwatch.fixed_point_sum('embedding_value') }} / count(embedding_value)
            as embedding_mean
    from rows_embedded
    group by 1, 2, 3, 4, 5
),

discrepancies as (
    select
        batch_embeddings.model_id,
        batch_embeddings.reference_id,
        batch_embeddings.batch_id,
        batch_embeddings.embedding_id,
        max(batch_embeddings.batch_size) as batch_size,
        {{ modelwatch.ordered_sum(
            'power(batch_embeddings.embedding_mean'
            ~ ' - reference_embeddings.embedding_mean, 2)') }} as mmd_squared
    from batch_embeddings
    inner join reference_embeddings
        on
            batch_embeddings.model_id = reference_embeddings.model_id
            and batch_embeddings.embedding_id = reference_embeddings.embedding_id
            and batch_embeddings.dimension_index = reference_embeddings.dimension_index
    group by 1, 2, 3, 4
),

null_scaled as (
    -- MMD^2 / g against a chi-square with h degrees of freedom: g and h match the mean and
    -- variance of the statistic's null distribution (Welch-Satterthwaite)
    select
        discrepancies.model_id,
        discrepancies.batch_id,
        discrepancies.mmd_squared,
        reference_spreads.reference_size,
        discrepancies.batch_size,
        discrepancies.mmd_squared
        / nullif(
            (1.0 / reference_spreads.reference_size + 1.0 / discrepancies.batch_size)
            * reference_spreads.covariance_trace_squared
            / nullif(reference_spreads.covariance_trace, 0),
            0
        ) as scaled_statistic,
        power(reference_spreads.covariance_trace, 2)
        / nullif(reference_spreads.covariance_trace_squared, 0) as null_dof
    from discrepancies
    left join reference_spreads
        on
            discrepancies.model_id = reference_spreads.model_id
            and discrepancies.embedding_id = reference_spreads.embedding_id
            -- a reference whose features are all constant has no spread: no p-value
            and reference_spreads.covariance_trace > 1e-12
            and reference_spreads.covariance_trace_squared > 1e-24
),

metrics as (
    {%- for metric, expression in [
        ('mmd', 'mmd_squared'),
        ('mmd_pvalue', modelwatch.chi2_sf('scaled_statistic', 'null_dof'))] %}
    select
        model_id,
        batch_id,
        '_multivariate' as feature_name,
        '{{ metric }}' as metric_name,
        cast({{ expression }} as {{ double }}) as metric_value,
        reference_size,
        batch_size,
        cast(null as {{ double }}) as epsilon
    from null_scaled
    {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select * from metrics
