{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_id'],
        pre_hook="{{ modelwatch.prune_frequencies(this) }}",
    )
}}
{#- The random Fourier features of each model's multivariate check, one row per model,
    reference version, dimension and feature: the frequency omega (per standardised feature)
    and the phase b of the dimension, drawn in Jinja from the registry's seed
    (modelwatch.random_fourier_features), identical on every engine. The embedding and the
    oracle test both read them here.
    Incremental: drawing is slow in Jinja (about a minute for 50 models), so a run draws only
    the models whose check is new or changed (settings, features, slots or reference
    versions) and replaces all their rows; the pre-hook drops models no longer checked. -#}
{%- set stored = modelwatch.stored_frequencies(this) -%}
{%- set frequency_table = modelwatch.multivariate_frequency_table(stored) -%}

with

frequencies as (
    {{ modelwatch.literal_rows(frequency_table.columns, frequency_table.rows) }}
)

select * from frequencies
