{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_id', 'reference_id'],
    )
}}
{#- The reference's value distribution, frozen: one row per model, reference version, feature
    and distinct value, with its count. Computed once per reference version (a model listing
    `references:` has one per model version, decision 0015); later runs add only new
    versions, so the bins and the KS reference never move under past batches. -#}
{%- set registry = modelwatch.get_registry() -%}
{%- set slots = modelwatch.get_registry_slots(registry) -%}
{%- set stored = modelwatch.stored_references(this) -%}
{%- set pending_models = [] -%}
{%- set pending = [] -%}
{%- for entry in registry -%}
{%- for reference in modelwatch.entry_references(entry)
    | rejectattr('reference_key', 'in', stored) -%}
{%- do pending_models.append(modelwatch.string_literal(entry.model_id)) -%}
{%- do pending.append(modelwatch.string_literal(reference.reference_id)) -%}
{%- endfor -%}
{%- endfor -%}

with

predictions as (
    select * from {{ ref('stg_modelwatch__predictions') }}
),

features as (
    select
        model_id,
        feature_name,
        feature_kind,
        slot_name
    from {{ ref('dim_monitored_features') }}
),

reference_rows as {{ modelwatch.materialized_cte() }} (
    select *
    from predictions
    where
        is_reference
        and {{ 'model_id in (' ~ pending_models | unique | join(', ') ~ ')'
            if pending else 'false' }}
        and {{ 'reference_id in (' ~ pending | join(', ') ~ ')' if pending else 'false' }}
),

values_counted as (
    {{ modelwatch.value_counts_by_slot('reference_rows', ['model_id', 'reference_id'], slots) }}
),

values_named as (
    select
        values_counted.model_id,
        values_counted.reference_id,
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
)

select * from values_named
