{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_id', 'reference_id'],
    )
}}
{#- The smallest and largest value of every numeric feature of each reference version,
    computed once and kept: fct_batch_quality counts the batch values outside this range
    (the out_of_range_share check), so no later run rescans the reference. -#}
{%- set stored = modelwatch.stored_references(this) -%}

with

reference_values as (
    select
        model_id,
        reference_id,
        feature_name,
        numeric_value
    from {{ ref('int_reference_values_counted') }}
    where
        feature_kind = 'numeric'
        and numeric_value is not null
        and {{ modelwatch.not_stored_reference(stored) }}
),

reference_ranges as (
    select
        model_id,
        reference_id,
        feature_name,
        min(numeric_value) as reference_min,
        max(numeric_value) as reference_max
    from reference_values
    group by 1, 2, 3
)

select * from reference_ranges
