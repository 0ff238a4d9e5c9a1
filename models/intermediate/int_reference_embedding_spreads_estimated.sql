{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_id', 'embedding_id'],
    )
}}
{#- How much the mean embedding of a sample drifts by chance, frozen per embedding: one row per
    model and embedding with tr(S) and tr(S^2) of the covariance S of the random Fourier
    features under the reference. Under "no drift" the batch's MMD^2 is a weighted sum of
    chi-squares with mean (1/n + 1/m) tr(S) and variance 2 (1/n + 1/m)^2 tr(S^2)
    (docs/multivariate-drift.md). tr(S) is the sum of the dimensions' variances; tr(S^2) is
    estimated without forming S, as the mean of (e_i . e_j)^2 over disjoint pairs of centred
    embeddings e of the reference, the rows paired in a hash order unrelated to their values,
    at most 25,000 pairs. -#}
{%- set slots = modelwatch.get_registry_slots(modelwatch.get_registry()) -%}
{%- set stored = modelwatch.stored_embeddings(this) -%}
{%- set paired_rows = 50000 -%}

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
        reference_size,
        embedding_mean,
        embedding_variance
    from {{ ref('int_reference_embeddings_averaged') }}
),

reference_rows_ranked as (
    select
        *,
        row_number() over (
            partition by model_id, reference_id
            order by {{ modelwatch.rff_row_hash(slots) }}
        ) as row_rank
    from predictions
    where
        is_reference
        and {{ modelwatch.pending_embedding_models(stored) }}
),

paired_rows as (
    select
        *,
        cast(floor((row_rank + 1) / 2.0) as {{ dbt.type_bigint() }}) as pair_index,
        row_rank % 2 as pair_side
    from reference_rows_ranked
    where row_rank <= {{ paired_rows }}
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
        'paired_rows', 'moments_by_slot', 'frequencies',
        ['model_id', 'reference_id', 'pair_index', 'pair_side'], slots) }}
),

rows_centred as (
    select
        rows_embedded.model_id,
        rows_embedded.reference_id,
        rows_embedded.embedding_id,
        rows_embedded.pair_index,
        rows_embedded.dimension_index,
        rows_embedded.pair_side,
        rows_embedded.embedding_value - reference_embeddings.embedding_mean as centred_value
    from rows_embedded
    inner join reference_embeddings
        on
            rows_embedded.model_id = reference_embeddings.model_id
            and rows_embedded.embedding_id = reference_embeddings.embedding_id
            and rows_embedded.dimension_index = reference_embeddings.dimension_index
),

pair_products as (
    select
        model_id,
        reference_id,
        embedding_id,
        pair_index,
        dimension_index,
        max(case when pair_side = 1 then centred_value end)
        * max(case when pair_side = 0 then centred_value end) as product
    from rows_centred
    group by 1, 2, 3, 4, 5
),

pair_dots as (
    select
        model_id,
        reference_id,
        embedding_id,
        pair_index,
        {{ modelwatch.fixed_point_sum('product') }} as dot_product
    from pair_products
    group by 1, 2, 3, 4
    having count(product) = count(*)
),

pair_spreads as (
    select
        model_id,
        reference_id,
        embedding_id,
        count(*) as pair_count,
        {{ modelwatch.fixed_point_sum('dot_product * dot_product') }} / count(dot_product)
            as covariance_trace_squared
    from pair_dots
    group by 1, 2, 3
),

embedding_traces as (
    select
        model_id,
        reference_id,
        embedding_id,
        max(reference_size) as reference_size,
        {{ modelwatch.ordered_sum('embedding_variance') }} as covariance_trace
    from reference_embeddings
    group by 1, 2, 3
),

spreads as (
    select
        embedding_traces.model_id,
        embedding_traces.reference_id,
        embedding_traces.embedding_id,
        embedding_traces.reference_size,
        embedding_traces.covariance_trace,
        pair_spreads.covariance_trace_squared,
        coalesce(pair_spreads.pair_count, 0) as pair_count
    from embedding_traces
    inner join pair_spreads
        on
            embedding_traces.model_id = pair_spreads.model_id
            and embedding_traces.embedding_id = pair_spreads.embedding_id
)

select * from spreads
