{#- The random Fourier features of each model's multivariate check, one row per model,
    dimension and feature: the frequency omega (per standardised feature) and the phase b of
    the dimension, drawn in Jinja from the registry's seed (modelwatch.random_fourier_features),
    identical on every engine. The embedding and the oracle test both read them here. -#}
{%- set frequency_table = modelwatch.multivariate_frequency_table() -%}

with

frequencies as (
    {{ modelwatch.literal_rows(frequency_table.columns, frequency_table.rows) }}
)

select * from frequencies
