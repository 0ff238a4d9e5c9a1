{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_id', 'embedding_id'],
    )
}}
{#- The reference's mean embedding, frozen: one row per model, embedding (reference version
    and multivariate settings) and dimension of the random Fourier features, with the mean
    and variance of the dimension over the reference rows. The batch's MMD is the distance
    of its own mean embedding to this one (docs/multivariate-drift.md). Computed once per
    embedding; later runs add only new ones. -#}
{%- set slots = modelwatch.get_registry_slots(modelwatch.get_registry()) -%}
{%- set stored = modelwatch.stored_embeddings(this) -%}
{#- sums in a fixed order: a rerun gives the same bits (decision 0022) -#}
{%- set embedding_mean = modelwatch.fixed_point_sum('embedding_value')
    ~ ' / count(embedding_value)' -%}

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

reference_rows as {{ modelwatch.materialized_cte() }} (
    select *
    from predictions
    where
        is_reference
        and {{ modelwatch.pending_embedding_models(stored) }}
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
        'reference_rows', 'moments_by_slot', 'frequencies',
        ['model_id', 'reference_id'], slots) }}
),

embeddings_averaged as (
    select
        model_id,
        reference_id,
        embedding_id,
        dimension_index,
        count(*) as reference_size,
        {{ embedding_mean }} as embedding_mean,
        {{ modelwatch.fixed_point_sum('embedding_value * embedding_value') }}
        / count(embedding_value)
        - ({{ embedding_mean }}) * ({{ embedding_mean }}) as embedding_variance
    from rows_embedded
    group by 1, 2, 3, 4
)

select * from embeddings_averaged
