{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_id', 'reference_id'],
    )
}}
{#- The reference's empirical CDF of every numeric feature, frozen per reference version: one
    row per model, reference, feature and distinct value with the count of reference values at
    or below it and the two running areas the Wasserstein distance needs (decision 0021):
      area_below  = integral from the reference minimum to the value of C(t) dt
      area_above  = integral from the value to the reference maximum of (n - C(t)) dt
    C being the cumulative count and n the reference size. KS and Wasserstein of a batch then
    look F_ref up at the batch's own values instead of merging the whole reference into every
    batch. Computed once per reference version, like int_reference_values_counted. -#}
{%- set stored = modelwatch.stored_references(this) -%}
{%- set double = modelwatch.type_double() -%}

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

cumulated as (
    select
        model_id,
        reference_id,
        feature_name,
        numeric_value,
        value_count,
        sum(value_count) over cumulative_window as cumulative_count,
        sum(value_count) over feature_window as reference_size,
        max(abs(numeric_value)) over feature_window as largest_magnitude,
        {#- lead ignores the frame: the same window, so the same sort -#}
        lead(numeric_value) over cumulative_window - numeric_value as gap_to_next
    from reference_values
    window
        feature_window as (partition by model_id, reference_id, feature_name),
        cumulative_window as (
            partition by model_id, reference_id, feature_name
            order by numeric_value
            range between unbounded preceding and current row
        )
),

steps as (
    -- the areas of the step [value, next value): under C and above it (up to n)
    select
        *,
        cast(cumulative_count as {{ double }}) * gap_to_next as step_below,
        cast(reference_size - cumulative_count as {{ double }}) * gap_to_next as step_above
    from cumulated
),

areas as (
    select
        model_id,
        reference_id,
        feature_name,
        numeric_value,
        value_count,
        cumulative_count,
        reference_size,
        largest_magnitude,
        coalesce(sum(step_below) over (
            partition by model_id, reference_id, feature_name
            order by numeric_value
            rows between unbounded preceding and 1 preceding
        ), 0) as area_below,
        coalesce(sum(step_above) over (
            partition by model_id, reference_id, feature_name
            order by numeric_value
            rows between current row and unbounded following
        ), 0) as area_above
    from steps
)

select * from areas
