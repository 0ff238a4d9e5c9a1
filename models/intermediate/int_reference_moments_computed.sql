{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_id', 'reference_id'],
    )
}}
{#- The mean and population standard deviation (ddof = 0) of every numeric feature of each
    reference version, computed once (two passes, for accuracy) and kept: the Wasserstein
    distance is divided by it for every later batch. -#}
{%- set stored = modelwatch.stored_references(this) -%}

with

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
        and {{ modelwatch.not_stored_reference(stored) }}
),

reference_means as (
    select
        model_id,
        reference_id,
        feature_name,
        {{ modelwatch.ordered_sum('numeric_value * value_count') }}
        / sum(value_count) as reference_mean
    from reference_values
    group by model_id, reference_id, feature_name
),

reference_moments as (
    select
        reference_means.model_id,
        reference_means.reference_id,
        reference_means.feature_name,
        reference_means.reference_mean,
        sqrt(
            {{ modelwatch.ordered_sum(
                'power(reference_values.numeric_value - reference_means.reference_mean, 2)'
                ~ ' * reference_values.value_count') }}
            / sum(reference_values.value_count)
        ) as reference_std
    from reference_values
    inner join reference_means
        on
            reference_values.model_id = reference_means.model_id
            and reference_values.reference_id = reference_means.reference_id
            and reference_values.feature_name = reference_means.feature_name
    group by
        reference_means.model_id,
        reference_means.reference_id,
        reference_means.feature_name,
        reference_means.reference_mean
)

select * from reference_moments
